/**
 * The one place `@peculiar/x509` is loaded: after `reflect-metadata` (its DI container,
 * tsyringe, needs the Reflect metadata API), with Node's WebCrypto as its provider.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

export { x509 };

/** WebCrypto types from Node (the project compiles without the DOM lib). */
export type WebCryptoKey = webcrypto.CryptoKey;
export type SignAlgorithm = webcrypto.Algorithm & { hash?: string };
