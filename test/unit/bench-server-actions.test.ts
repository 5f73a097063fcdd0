// How the bench reads the Temporal server's `action` counter (bench/server-actions.ts): one
// namespace's samples summed by action_type over services, and what moved between two readings.
import { actionDelta, parseActions, sumCounts } from '../../bench/server-actions';

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
