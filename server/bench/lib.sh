# Shared by the bench scripts (sourced; run from the repository's root): a release server on a
# new data folder, on loopback, stopped by its PID and its folder removed when the script ends.

# Builds the release server and makes the data folder ($data), cleaned up on exit.
bench_setup() {
  cargo build --release -q -p server --bin server
  data=$(mktemp -d)
  pid=""
  trap bench_cleanup EXIT
  export SYNCGATE_DATA_DIR="$data" SYNCGATE_SITE_ROOT="$data" SYNCGATE_LOG=${SYNCGATE_LOG:-warn}
}

bench_cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  rm -rf "$data"
}

# Serves on 127.0.0.1:$1 in the background ($pid) and waits until the login page answers.
start_server() {
  SYNCGATE_LISTEN="127.0.0.1:$1" SYNCGATE_ADMIN_PASSWORD=bench-admin-1 \
    ./target/release/server serve >/dev/null &
  pid=$!
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$1/login" && return 0
    sleep 0.2
  done
  echo "the server did not start on port $1" >&2
  return 1
}
