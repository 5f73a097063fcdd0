// How the bench reads the Temporal server's `action` counter (bench/server-actions.ts): one
// namespace's samples summed by action_type over services, what moved between two readings, and
// readings that wait for the server to publish (from a real HTTP endpoint the test moves).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { actionDelta, parseActions, ServerActions, sumCounts } from '../../bench/server-actions';

const EXPOSITION = `# HELP action action counter
# TYPE action counter
action{action_type="grpc_StartWorkflowExecution",namespace="default",operation="StartWorkflowExecution",service_name="frontend"} 4
action{action_type="command_BatchMarkers",namespace="default",operation="RespondWorkflowTaskCompleted",service_name="frontend"} 3
action{action_type="command_BatchMarkers",namespace="default",operation="RespondWorkflowTaskCompleted",service_name="history"} 1
action{action_type="grpc_StartWorkflowExecution",namespace="temporal_system",operation="StartWorkflowExecution",service_name="frontend"} 2
action_latency_bucket{action_type="grpc_StartWorkflowExecution",namespace="default",le="1"} 9
`;

describe("the server's action counter", () => {
  it("sums one namespace's actions by type, leaving the server's system workflows out", () => {
    expect(parseActions(EXPOSITION, 'default')).toEqual({
      grpc_StartWorkflowExecution: 4,
      command_BatchMarkers: 4,
    });
    expect(parseActions(EXPOSITION, 'temporal_system')).toEqual({
      grpc_StartWorkflowExecution: 2,
    });
  });

  it("adds the cluster's services up", () => {
    expect(
      sumCounts([
        { grpc_StartWorkflowExecution: 4 },
        { grpc_StartWorkflowExecution: 1, command_UpsertWorkflowSearchAttributes: 2 },
      ]),
    ).toEqual({ grpc_StartWorkflowExecution: 5, command_UpsertWorkflowSearchAttributes: 2 });
  });

  it('reports what moved over a measurement, by type, and nothing that held still', () => {
    expect(
      actionDelta(
        { grpc_StartWorkflowExecution: 10, command_BatchMarkers: 7 },
        { grpc_StartWorkflowExecution: 16, command_BatchMarkers: 7, command_StartTimer: 6 },
      ),
    ).toEqual({ grpc_StartWorkflowExecution: 6, command_StartTimer: 6 });
  });
});

describe('readings around a measurement', () => {
  /** A Prometheus endpoint whose StartWorkflowExecution count the test moves. */
  let starts = 0;
  let server: Server;
  let actions: ServerActions;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.end(
        `action{action_type="grpc_StartWorkflowExecution",namespace="default",service_name="frontend"} ${starts}\n`,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    actions = new ServerActions([`http://127.0.0.1:${port}/metrics`], 'default');
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('waits for a count published after the load ended (the server publishes once a second)', async () => {
    starts = 10;
    const before = await actions.baseline();
    // The load ended with 5 more starts, which the server publishes half a second later.
    setTimeout(() => (starts = 15), 500);
    const after = await actions.settled();
    expect(actionDelta(before, after)).toEqual({ grpc_StartWorkflowExecution: 5 });
  });

  it('takes the last settled reading as the next baseline only while nothing moved', async () => {
    starts = 20;
    const settled = await actions.settled();
    expect(await actions.baseline()).toEqual(settled);
    starts = 21;
    expect(await actions.baseline()).toEqual({ grpc_StartWorkflowExecution: 21 });
  });
});
