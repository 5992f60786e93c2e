export { createTestDatabase, queryDatabase, type TestDatabase } from './databases';
export { expectEventually } from './expect-eventually';
export { launch, provisionInfrastructure, type Infrastructure } from './infrastructure';
export { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver';
export { freePort, readMetric } from './network';
export { dataDir, repoRoot } from './repo-paths';
export { signUp, startStack, type Stack, type StackOptions, type StackService } from './stack';
export { runToCompletion, startServiceProcess, waitUntilReady, type ServiceProcess, type ServiceProcessOptions } from './service-process';
