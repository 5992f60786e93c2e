import path from 'node:path';

/** The monorepo's root, wherever the tests run from (sources under Jest, dist/ when compiled). */
export const repoRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../../..' : '../../..');
export const dataDir = path.join(repoRoot, '.data');
