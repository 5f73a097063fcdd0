import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { FAIRNESS_FLAGS, LATENCY_FLAGS } from '../../src/temporal/dev-server';

const dynamicConfig = parse(
  readFileSync(join(__dirname, '../../deploy/temporal-dynamic-config.yaml'), 'utf8'),
) as Record<string, Array<{ value: unknown; constraints?: unknown }> | undefined>;

describe("the dev server's dynamic config and the cluster's", () => {
  it.each([...LATENCY_FLAGS, ...FAIRNESS_FLAGS])(
    'deploy/temporal-dynamic-config.yaml sets %s for every namespace and task queue, as the dev server does',
    (flag) => {
      const [key, value] = flag.split('=') as [string, string];
      expect(
        dynamicConfig[key]?.filter((v) => v.constraints === undefined).map((v) => String(v.value)),
      ).toEqual([value]);
    },
  );
});
