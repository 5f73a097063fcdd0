// Checks the TLS files Temporal's env config points at before anything connects, so a wrong path
// or a certificate without its key stops a process at start with one line naming the variable.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

const CERT = 'TEMPORAL_TLS_CLIENT_CERT_PATH';
const KEY = 'TEMPORAL_TLS_CLIENT_KEY_PATH';
const CA = 'TEMPORAL_TLS_SERVER_CA_CERT_PATH';

function read(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`);
  }
}

function certificate(variable: string, path: string, now: Date): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(read(variable, path));
  } catch (err) {
    if ((err as Error).message.startsWith(variable)) throw err;
    throw new Error(`${variable}: ${path} is not a PEM certificate`);
  }
  if (new Date(cert.validTo) < now) {
    throw new Error(`${variable}: ${path} expired on ${cert.validTo}`);
  }
  return cert;
}

function privateKey(path: string): KeyObject {
  try {
    return createPrivateKey(read(KEY, path));
  } catch (err) {
    if ((err as Error).message.startsWith(KEY)) throw err;
    throw new Error(`${KEY}: ${path} is not a PEM private key`);
  }
}

/** Throws an Error whose message starts with the variable at fault; silent when TLS is unset. */
export function checkTlsFiles(env: NodeJS.ProcessEnv, now = new Date()): void {
  const certPath = env[CERT];
  const keyPath = env[KEY];
  const caPath = env[CA];
  if (caPath) certificate(CA, caPath, now);
  if (!certPath && !keyPath) return;
  if (!certPath) throw new Error(`${CERT}: unset, but ${KEY} is set`);
  if (!keyPath) throw new Error(`${KEY}: unset, but ${CERT} is set`);
  const cert = certificate(CERT, certPath, now);
  if (!cert.checkPrivateKey(privateKey(keyPath))) {
    throw new Error(`${KEY}: ${keyPath} is not the key of ${certPath}`);
  }
}
