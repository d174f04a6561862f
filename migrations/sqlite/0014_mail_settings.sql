-- Mail delivery set on /admin/settings (issue 17, SPEC 2): one row, used when
-- SYNCGATE_SMTP_URL is not set. The password and the OAuth2 client secret are sealed like
-- the sync password (AES-256-GCM, key id beside each), never stored in clear.
CREATE TABLE mail_settings (
    id                         INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    host                       TEXT NOT NULL,
    port                       INTEGER NOT NULL,
    security                   TEXT NOT NULL,   -- starttls | tls | none (loopback only)
    from_address               TEXT NOT NULL,
    from_name                  TEXT NOT NULL,
    sign_in                    TEXT NOT NULL,   -- none | password | oauth2
    username                   TEXT NOT NULL,
    password_ciphertext        BLOB,
    password_nonce             BLOB,
    password_key_id            TEXT,
    tenant_id                  TEXT NOT NULL,
    client_id                  TEXT NOT NULL,
    client_secret_ciphertext   BLOB,
    client_secret_nonce        BLOB,
    client_secret_key_id       TEXT,
    secret_expires_on          TEXT,            -- YYYY-MM-DD, as Azure shows it
    token_url                  TEXT NOT NULL,   -- empty: Microsoft's for the tenant
    expiry_reminded            INTEGER,              -- the last reminder mailed (30, 7, 1 days)
    updated_at                 INTEGER NOT NULL
);
