// A strict authorization server nobody on this project wrote: oidc-provider 8, configured so that
// PKCE (S256) is required, redirect URIs match exactly, and the client authenticates with HTTP
// Basic only. Usage: node provider.mjs <port> <redirect_uri> <client_secret>
import Provider from 'oidc-provider';

const [port, redirectUri, clientSecret] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const GMAIL = 'https://www.googleapis.com/auth/gmail.readonly';

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'gmail-unread-test',
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    revocation_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true, methods: ['S256'] },
  scopes: ['openid', 'email', 'offline_access', GMAIL],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  // Google puts the email in the id_token; so does this provider.
  conformIdTokenClaims: false,
  // Google issues refresh tokens for access_type=offline; this provider for every code grant.
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  features: {
    devInteractions: { enabled: true },
    revocation: { enabled: true },
  },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, email: `${id}@example.org`, email_verified: true }),
  }),
  cookies: { keys: ['test-only-cookie-key'] },
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    return undefined;
  },
});

provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
