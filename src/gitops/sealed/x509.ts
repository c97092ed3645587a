/**
 * `@peculiar/x509` for the controller's self-signed certificate: loaded after
 * `reflect-metadata` (its DI container needs the Reflect metadata API), with Node's WebCrypto
 * as its provider. (gitops/ may not import the server's copy of this module.)
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

export { x509 };
