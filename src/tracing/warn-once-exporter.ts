// A span exporter that never lets a failed export matter: the first failure logs one warning (the
// service goes on without those spans), the next ones are silent until an export succeeds again.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';

export class WarnOnceExporter implements SpanExporter {
  #failing = false;

  constructor(
    private readonly inner: SpanExporter,
    private readonly endpoint: string,
    private readonly logger: Logger,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) {
        if (this.#failing)
          this.logger.info({ endpoint: this.endpoint }, 'tracing: exports resumed');
        this.#failing = false;
      } else if (!this.#failing) {
        this.#failing = true;
        this.logger.warn(
          { endpoint: this.endpoint, cause: result.error?.message ?? 'unknown' },
          'tracing: spans could not be exported; requests and runs go on without them',
        );
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
