// A real OpenID provider for tests/test_oidc.py: panva's certified oidc-provider on a free loopback port.
//
// The test users and their claims are read from the JSON file ACCOUNTS ({"<sub>": {claims}}) on every
// lookup, so a test changes a user's claims by rewriting the file. Logging in is one form (the account's
// sub, no password); consent is given at once. The rest is the provider as it ships: the code flow with
// PKCE required, state and nonce, signed ID tokens, userinfo and RP-initiated logout.
//
// Prints {"issuer": "..."} as its first line once it listens.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const env = process.env;
const accounts = () => JSON.parse(readFileSync(env.ACCOUNTS, 'utf8'));

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://${env.ISSUER_HOST || '127.0.0.1'}:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: env.CLIENT_ID,
      client_secret: env.CLIENT_SECRET,
      redirect_uris: [env.REDIRECT_URI],
      post_logout_redirect_uris: [env.POST_LOGOUT_REDIRECT_URI],
      response_types: ['code'],
      grant_types: ['authorization_code'],
    }],
    pkce: { required: () => true },
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
      groups: ['groups'],
    },
    async findAccount(ctx, sub) {
      const claims = accounts()[sub];
      return claims && { accountId: sub, claims: async () => ({ ...claims, sub }) };
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    cookies: { keys: ['test-provider-cookie-key'] },
  });

  // The login and consent pages: GET shows the login form, POST logs the account in and consents.
  provider.use(async (ctx, next) => {
    if (!ctx.path.startsWith('/interaction/')) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const form = ctx.method === 'POST' ? new URLSearchParams(await body(ctx.req)) : null;
    const accountId = form ? form.get('login') : details.session?.accountId;
    if (!accountId || !accounts()[accountId]) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Provider login</title><h1>Provider login</h1>
        <form method="post" action="/interaction/${details.uid}">
        <input name="login" autofocus><button type="submit">Sign in</button></form>`;
      return;
    }
    const grant = details.grantId ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const result = { login: { accountId }, consent: { grantId: await grant.save() } };
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
  });

  server.on('request', provider.callback());
  console.log(JSON.stringify({ issuer }));
});

function body(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
