// Lets `node --import ./bench/register.mjs bench/<file>.ts` run the benchmarks straight from
// TypeScript sources (no build needed). Child server processes are started the same way.
import { register } from 'tsx/esm/api';

register();
