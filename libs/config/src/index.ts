export { ConfigError, loadConfig, loadConfigOrExit } from './load-config';
export type { ConfigIssue } from './load-config';
export {
  LOG_LEVELS,
  NODE_ENVS,
  databaseEnv,
  decimalSetting,
  httpEnv,
  integerSetting,
  kafkaBrokers,
  kafkaEnv,
  port,
  postgresUrl,
  serviceEnv,
} from './env-fragments';
export type { LogLevelName } from './env-fragments';
