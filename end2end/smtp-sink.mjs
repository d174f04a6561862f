// The tests' mail server: a real SMTP server on 127.0.0.1 that keeps every message, and a
// small HTTP endpoint on the next port from which the tests read them (GET /messages?to=…).
// Playwright starts it before syncgate and stops it after the run.
//
// For Office 365 (issue 17) the same process also plays Microsoft's part:
// - a second SMTP server (SINK_OAUTH_SMTP_PORT) that signs in with AUTH XOAUTH2 only, and
//   only with an access token this sink issued;
// - on the HTTP port, POST /oauth2/<tenant>/oauth2/v2.0/token, the OAuth2 client-credentials
//   grant as login.microsoftonline.com answers it (the same errors and AADSTS codes), and
//   GET /tokens, how many tokens it granted.
// Every message, from either server, goes to the same list, with `via` ('plain' or 'oauth2')
// and `user` (the mailbox signed in to with XOAUTH2; null on the plain server).
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

const smtpPort = Number(process.env.SINK_SMTP_PORT ?? 3101);
const httpPort = Number(process.env.SINK_HTTP_PORT ?? smtpPort + 1);
const oauthSmtpPort = Number(process.env.SINK_OAUTH_SMTP_PORT ?? smtpPort + 2);
const messages = [];

// The one app registered in the pretend tenant, and what it may ask for.
const APP = {
  clientId: 'e2e-client-id',
  clientSecret: 'e2e-client-secret',
  scope: 'https://outlook.office365.com/.default',
};
/** Access tokens granted so far: the XOAUTH2 server accepts these and no other. */
const issued = new Set();
/** Token requests, granted or not. */
let tokenRequests = 0;

/** An onData handler that keeps each message, marked with the server it came through. */
function keep(via) {
  return (stream, session, callback) => {
    simpleParser(stream)
      .then((mail) => {
        messages.push({
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          subject: mail.subject ?? '',
          text: mail.text ?? '',
          html: typeof mail.html === 'string' ? mail.html : '',
          at: Date.now(),
          via,
          user: session.user ?? null,
        });
        callback();
      })
      .catch(callback);
  };
}

/**
 * Listens on 127.0.0.1. A port that cannot be had ends the process (Playwright then says the
 * sink did not start); a client dropping a connection later is only logged.
 */
function listen(server, port, name) {
  let up = false;
  server.on('error', (err) => {
    console.error(`smtp-sink: ${name} on ${port}: ${err.message}`);
    if (!up) process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => {
    up = true;
  });
}

// What syncgate uses when SYNCGATE_SMTP_URL is set: no sign-in needed.
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData: keep('plain'),
});
listen(smtp, smtpPort, 'SMTP');

// Office 365's SMTP as an app sees it: AUTH XOAUTH2 with a token from the token endpoint,
// nothing without it. A refused token gets 535, as Office 365 answers.
const oauthSmtp = new SMTPServer({
  authMethods: ['XOAUTH2'],
  authOptional: false,
  disabledCommands: ['STARTTLS'],
  allowInsecureAuth: true,
  logger: false,
  onAuth(auth, session, callback) {
    if (auth.method === 'XOAUTH2' && issued.has(auth.accessToken)) {
      // smtp-server keeps this as session.user, which onData then reads.
      callback(null, { user: auth.username });
      return;
    }
    callback(new Error('Invalid token'));
  },
  onData: keep('oauth2'),
});
listen(oauthSmtp, oauthSmtpPort, 'XOAUTH2 SMTP');

function sendJson(res, status, body) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify(body));
}

/** The request's body as text (at most 64 KiB, which is plenty for a token request). */
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > 64 * 1024) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * The client-credentials grant (RFC 6749, 4.4) with the secret in the form body, as syncgate
 * sends it to Microsoft; refusals carry Microsoft's words and codes.
 */
async function token(req, res) {
  tokenRequests += 1;
  let form;
  try {
    form = new URLSearchParams(await readBody(req));
  } catch {
    sendJson(res, 400, { error: 'invalid_request', error_description: 'AADSTS900144: bad request' });
    return;
  }
  const wellFormed =
    form.get('grant_type') === 'client_credentials' &&
    form.get('client_id') === APP.clientId &&
    form.get('scope') === APP.scope;
  if (!wellFormed) {
    sendJson(res, 400, { error: 'invalid_request', error_description: 'AADSTS900144: bad request' });
    return;
  }
  if (form.get('client_secret') !== APP.clientSecret) {
    sendJson(res, 401, {
      error: 'invalid_client',
      error_description:
        'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
    });
    return;
  }
  const accessToken = randomBytes(32).toString('hex');
  issued.add(accessToken);
  sendJson(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600 });
}

// Microsoft's path: https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token.
const TOKEN_PATH = /^\/oauth2\/[^/]+\/oauth2\/v2\.0\/token$/;

http
  .createServer((req, res) => {
    const url = new URL(req.url, `http://127.0.0.1:${httpPort}`);
    if (url.pathname === '/healthz') {
      res.end('ok');
      return;
    }
    if (url.pathname === '/messages') {
      const to = (url.searchParams.get('to') ?? '').toLowerCase();
      const found = messages.filter((m) => !to || m.to.includes(to));
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(found));
      return;
    }
    if (TOKEN_PATH.test(url.pathname)) {
      if (req.method !== 'POST') {
        res.statusCode = 405;
        res.setHeader('Allow', 'POST');
        res.end();
        return;
      }
      token(req, res).catch((err) => {
        console.error(`smtp-sink: token endpoint: ${err.message}`);
        if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
      });
      return;
    }
    if (url.pathname === '/tokens') {
      sendJson(res, 200, { issued: issued.size, requests: tokenRequests });
      return;
    }
    res.statusCode = 404;
    res.end();
  })
  .listen(httpPort, '127.0.0.1');
