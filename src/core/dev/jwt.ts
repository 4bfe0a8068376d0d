// The development JWT msa dev prints: HS256 with the node gateway's secret, the issuer and audience it requires
// (JWT_ISSUER, JWT_AUDIENCE), valid for `ttlSeconds`. For a laptop only: the secret is the dev one unless .env sets it.
import { createHmac } from "node:crypto";

const b64url = (s: string): string => Buffer.from(s).toString("base64url");

export function devJwt(jwt: { issuer: string; audience: string; secret: string }, nowSeconds: number, ttlSeconds = 12 * 3600): string {
  const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify({ sub: "msa-dev", iss: jwt.issuer, aud: jwt.audience, iat: nowSeconds, exp: nowSeconds + ttlSeconds }));
  const sig = createHmac("sha256", jwt.secret).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}
