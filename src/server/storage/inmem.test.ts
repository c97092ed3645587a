import { describe, expect, it } from 'vitest';
import { runStorageConformance } from './conformance.js';
import { createInmemStorage } from './inmem.js';

runStorageConformance('inmem', async () => ({ storage: createInmemStorage() }));

describe('inmem storage', () => {
  it('reports its type', () => {
    expect(createInmemStorage().type).toBe('inmem');
  });
});
