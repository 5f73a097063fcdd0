// Failure converter for encrypted deployments: messages and stack traces travel in an encoded (so
// encrypted) payload. Its own module because the workflow sandbox bundles it: SDK imports only.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
