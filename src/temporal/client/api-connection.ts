// The API's Temporal connection: the SDK's Connection plus one question only a subclass can ask,
// "is the channel connected?", so a POST can tell "nothing was sent" (503) from "maybe started".
import { Connection, type ConnectionOptions } from '@temporalio/client';

/**
 * grpc-js's `connectivityState` values, fixed by gRPC's channel state machine. Named here because
 * @grpc/grpc-js is the SDK's dependency, not ours: importing it could load a second copy.
 */
const ChannelState = { READY: 2, TRANSIENT_FAILURE: 3, SHUTDOWN: 4 } as const;

export class ApiConnection extends Connection {
  /** Lazy: the API starts (and /readyz says why it is not ready) while Temporal is down. */
  static override lazy(options?: ConnectionOptions): ApiConnection {
    return super.lazy(options) as ApiConnection;
  }

  /**
   * Whether the gRPC channel is connected, waiting until `deadlineMs` while it connects. A channel
   * that failed to connect answers false at once: grpc-js would fail an RPC on it at once too.
   * Sends no RPC: on a connected channel it answers synchronously.
   */
  async reachable(deadlineMs: number): Promise<boolean> {
    const channel = this.client.getChannel();
    for (;;) {
      let state: number;
      try {
        state = channel.getConnectivityState(true);
      } catch {
        return false; // closed
      }
      if (state === ChannelState.READY) return true;
      if (state === ChannelState.TRANSIENT_FAILURE || state === ChannelState.SHUTDOWN) return false;
      const changed = await new Promise<boolean>((resolve) => {
        try {
          channel.watchConnectivityState(state, deadlineMs, (err?: Error) => resolve(!err));
        } catch {
          resolve(false);
        }
      });
      if (!changed) return false;
    }
  }
}
