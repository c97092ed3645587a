export { createTokenStore, type TokenEntry, type TokenStore } from './token-store.js';
