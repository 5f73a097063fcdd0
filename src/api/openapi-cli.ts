// `npm run openapi`: writes docs/openapi.json, the OpenAPI document /openapi.json serves under the
// default configuration. The app is built and never listens; its lazy clients call no one.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../config';
import { SeerClient } from '../seer/client';
import { connectRunGateway } from '../temporal/client/connect';
import { buildApp } from './app';
import { openapiText } from './openapi';

export const OPENAPI_FILE = join(__dirname, '..', '..', 'docs', 'openapi.json');

/** The document as the API serves it with every variable at its default (not this shell's). */
export async function defaultDocument(): Promise<unknown> {
  const config = loadConfig({});
  const temporal = connectRunGateway({
    connectionOptions: { address: config.temporal.address },
    namespace: config.temporal.namespace,
    payloadKeys: config.payloadKeys,
    taskQueue: config.temporal.taskQueue,
    pageTokenKey: config.pageTokenKey,
    logger: pino({ level: 'silent' }),
  });
  const seer = new SeerClient({
    baseUrl: config.seer.url,
    sharedSecret: config.seer.sharedSecret,
    requestTimeoutMs: config.seer.requestTimeoutMs,
  });
  const app = buildApp({ config, runs: temporal.gateway, seer, logger: pino({ level: 'silent' }) });
  try {
    // As served: @fastify/swagger decorates the API's own plugin, not the root instance.
    const served = await app.inject({ method: 'GET', url: '/openapi.json' });
    if (served.statusCode !== 200) throw new Error(`/openapi.json answered ${served.statusCode}`);
    return served.json();
  } finally {
    await app.close();
    await seer.close();
    await temporal.close();
  }
}

if (require.main === module) {
  void defaultDocument().then((document) => {
    writeFileSync(OPENAPI_FILE, openapiText(document));
    console.log(`wrote ${OPENAPI_FILE}`);
  });
}
