// Interop peer: signs and verifies W3C Data Integrity proofs with Digital Bazaar's libraries,
// so microcred's output is checked by an implementation it shares no code with.
//
// Protocol: one JSON request on stdin, one JSON result on stdout, exit code 0.
// Bad requests and library exceptions during signing give {"error": "..."} and exit code 1;
// a credential that fails verification is a normal result ({"verified": false, ...}), not an error.
//
//   {"op": "verify", "credential": {...}, "contexts": {url: path},
//    "documents"?: {url: document}, "now"?: dateTime, "checkIssuer"?: true}
//     -> {"verified": bool, "errors": [string, ...]}
//   {"op": "sign", "credential": {...}, "contexts": {url: path},
//    "cryptosuite": "eddsa-rdfc-2022" | "ecdsa-rdfc-2019",
//    "keyPair": {"publicKeyMultibase", "secretKeyMultibase", "controller"?},
//    "created"?: dateTime, "now"?: dateTime}
//     -> {"credential": signed credential}
// A JSON array of requests gives an array of results: one Node start-up (~0.4 s) for many checks.
//
// Nothing is fetched: the document loader serves only the given context files, the given
// documents (e.g. the controller document of a non-DID verification method) and did:key URLs.
import {readFileSync} from 'node:fs';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import * as DidKey from '@digitalbazaar/did-method-key';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import {cryptosuite as ecdsaRdfc2019} from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import jsigs from 'jsonld-signatures';

const CRYPTOSUITES = new Map([
  ['eddsa-rdfc-2022', {cryptosuite: eddsaRdfc2022, multikey: Ed25519Multikey}],
  ['ecdsa-rdfc-2019', {cryptosuite: ecdsaRdfc2019, multikey: EcdsaMultikey}],
]);

class RequestError extends Error {
  name = 'RequestError';
}

function createDidKeyDriver() {
  const driver = DidKey.driver();
  driver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
  driver.use({multibaseMultikeyHeader: 'zDna', fromMultibase: EcdsaMultikey.from});
  return driver;
}

function readContexts(contextPaths) {
  if(!contextPaths || typeof contextPaths !== 'object') {
    throw new RequestError('"contexts" must map context URLs to file paths');
  }
  const contexts = new Map();
  for(const [url, path] of Object.entries(contextPaths)) {
    contexts.set(url, JSON.parse(readFileSync(path, 'utf8')));
  }
  return contexts;
}

function createOfflineLoader({contextPaths, documents = {}}) {
  const served = readContexts(contextPaths);
  for(const [url, document] of Object.entries(documents)) {
    served.set(url, document);
  }
  const didKeyDriver = createDidKeyDriver();
  return async url => {
    if(served.has(url)) {
      return {contextUrl: null, documentUrl: url, document: served.get(url)};
    }
    if(url.startsWith('did:key:')) {
      const document = await didKeyDriver.get({url});
      return {contextUrl: null, documentUrl: url, document};
    }
    throw new Error(`offline document loader: not served: ${url}`);
  };
}

function suiteEntry(name) {
  const entry = CRYPTOSUITES.get(name);
  if(!entry) {
    throw new RequestError(`unsupported cryptosuite: ${name}`);
  }
  return entry;
}

async function sign(request) {
  const {cryptosuite, multikey} = suiteEntry(request.cryptosuite);
  const {publicKeyMultibase, secretKeyMultibase} = request.keyPair ?? {};
  if(!publicKeyMultibase || !secretKeyMultibase) {
    throw new RequestError('"keyPair" needs publicKeyMultibase and secretKeyMultibase');
  }
  // did:key is the default because it resolves without any network or extra document.
  const controller = request.keyPair.controller ?? `did:key:${publicKeyMultibase}`;
  const keyPair = await multikey.from({
    type: 'Multikey',
    id: `${controller}#${publicKeyMultibase}`,
    controller,
    publicKeyMultibase,
    secretKeyMultibase,
  });
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(),
    cryptosuite,
    date: request.created,
  });
  const credential = await vc.issue({
    credential: structuredClone(request.credential),
    suite,
    documentLoader: createOfflineLoader({contextPaths: request.contexts}),
    now: request.now,
  });
  return {credential};
}

function errorMessages(error) {
  if(!error) {
    return [];
  }
  const nested = Array.isArray(error.errors) ? error.errors.flatMap(errorMessages) : [];
  return nested.length > 0 ? nested : [`${error.name}: ${error.message}`];
}

async function verify(request) {
  if(!request.credential || typeof request.credential !== 'object') {
    throw new RequestError('"credential" must be a JSON object');
  }
  // The allow-list: every suite we know, each bound to one cryptosuite name.
  const suite = [...CRYPTOSUITES.values()].map(
    ({cryptosuite}) => new DataIntegrityProof({cryptosuite}));
  // checkIssuer=false keeps the proof check but drops vc's "issuer must be the key's
  // controller" rule, which some published test vectors do not satisfy.
  const purpose = request.checkIssuer === false ?
    new jsigs.purposes.AssertionProofPurpose() : undefined;
  const result = await vc.verifyCredential({
    credential: request.credential,
    suite,
    purpose,
    documentLoader: createOfflineLoader({
      contextPaths: request.contexts, documents: request.documents
    }),
    now: request.now,
  });
  const errors = [
    ...errorMessages(result.error),
    ...(result.results ?? []).flatMap(r => errorMessages(r.error)),
  ];
  return {verified: result.verified === true, errors: [...new Set(errors)]};
}

const OPERATIONS = {sign, verify};

async function answer(request) {
  const operation = OPERATIONS[request?.op];
  if(!operation) {
    throw new RequestError(`unknown op: ${JSON.stringify(request?.op)} (use sign or verify)`);
  }
  return operation(request);
}

async function main() {
  const input = JSON.parse(readFileSync(0, 'utf8'));
  const result = Array.isArray(input) ?
    await Promise.all(input.map(answer)) : await answer(input);
  process.stdout.write(JSON.stringify(result));
}

main().catch(error => {
  process.stdout.write(JSON.stringify({error: `${error.name}: ${error.message}`}));
  process.exitCode = 1;
});
