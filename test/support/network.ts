// This machine's addresses as another host on its network sees them, and a TCP probe: what a
// process "listening on loopback only" must refuse.
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';

/** An IPv4 address of a non-loopback interface (tests of the bind address need one). */
export function externalAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry !== undefined && !entry.internal && entry.family === 'IPv4')?.address;
  if (address === undefined) throw new Error('this machine has no non-loopback IPv4 interface');
  return address;
}

/** Whether a TCP connection to host:port is accepted. */
export function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}
