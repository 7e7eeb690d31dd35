// A real OpenID provider on the loopback for CarePKI's sign-in tests
// (crates/web/tests/oidc.rs) and browser tests: the npm package oidc-provider with its
// development login form. Not for production: any login name signs in.
//
//   node provider.mjs [PORT]        (or OIDC_PORT; 0 or nothing: any free port)
//
// Prints `LISTENING <port>` on stdout once it answers; the issuer is
// http://127.0.0.1:<port>. One confidential client, from the environment:
//   OIDC_CLIENT_ID        default carepki
//   OIDC_CLIENT_SECRET    default carepki-test-secret
//   OIDC_REDIRECT_URIS    space-separated; default http://127.0.0.1:8080/auth/callback
//   OIDC_SKIP_CONSENT=1   no consent page: the grant is given at sign-in
//   OIDC_CLAIMS_IN_USERINFO_ONLY=1
//                         the ID token carries sub alone; name, email and hetu come from
//                         the userinfo endpoint only (as some providers do)
//   OIDC_PUBLISH_WRONG_KEY=1
//                         the JWKS endpoint publishes another key under the signing key's
//                         id, so every ID token fails signature verification (negative
//                         tests)
//
// Accounts: the login name is `sub`; claims name = "Test User <login>",
// email = "<login>@example.test" (scope email), and hetu = the login when it has the
// form of a Finnish personal identity code (scope hetu; e.g. 010180-9026, a made-up
// one), else no hetu claim. The password field is required by the form but ignored.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.argv[2] ?? process.env.OIDC_PORT ?? 0);
const clientId = process.env.OIDC_CLIENT_ID || 'carepki';
const clientSecret = process.env.OIDC_CLIENT_SECRET || 'carepki-test-secret';
const redirectUris = (process.env.OIDC_REDIRECT_URIS || 'http://127.0.0.1:8080/auth/callback')
  .split(/\s+/)
  .filter(Boolean);
const skipConsent = process.env.OIDC_SKIP_CONSENT === '1';
const publishWrongKey = process.env.OIDC_PUBLISH_WRONG_KEY === '1';
const claimsInUserinfoOnly = process.env.OIDC_CLAIMS_IN_USERINFO_ONLY === '1';

// DDMMYY, century sign, individual number, check character.
const HETU = /^\d{6}[-+A-FU-Y]\d{3}[0-9A-FHJ-NPR-Y]$/;

function signingJwk(kid) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
}
const kid = `test-${randomBytes(4).toString('hex')}`;
const signingKey = signingJwk(kid);
const publicOf = ({ kty, n, e, kid: id, use, alg }) => ({ kty, n, e, kid: id, use, alg });
// The same key id with another key: what a forger who knows the key id would publish.
const wrongPublicKey = publicOf(signingJwk(kid));

const configuration = {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  claims: {
    openid: ['sub'],
    profile: ['name'],
    email: ['email', 'email_verified'],
    hetu: ['hetu'],
  },
  // false: the claims of the granted scopes go into the ID token too, not only to
  // userinfo.
  conformIdTokenClaims: claimsInUserinfoOnly,
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    Grant: 3600,
    IdToken: 600,
    Interaction: 600,
    Session: 3600,
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        const claims = {
          sub: id,
          name: `Test User ${id}`,
          email: `${id}@example.test`,
          email_verified: true,
        };
        if (HETU.test(id)) claims.hetu = id;
        return claims;
      },
    };
  },
};

if (skipConsent) {
  configuration.loadExistingGrant = async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile email hetu');
    grant.addOIDCClaims(['name', 'email', 'email_verified', 'hetu']);
    await grant.save();
    return grant;
  };
}

const server = createServer();
server.listen(port, '127.0.0.1', () => {
  const actual = server.address().port;
  const provider = new Provider(`http://127.0.0.1:${actual}`, configuration);
  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (publishWrongKey && req.method === 'GET' && new URL(req.url, 'http://x').pathname === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      res.end(JSON.stringify({ keys: [wrongPublicKey] }));
      return;
    }
    callback(req, res);
  });
  process.stdout.write(`LISTENING ${actual}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
