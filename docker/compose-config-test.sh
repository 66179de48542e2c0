#!/usr/bin/env bash
# Proves the compose file's Google switch with `docker compose config` (needs the compose plugin,
# no engine): with no .env everything points at the bundled emulator; with a client id and secret in
# .env auth-service and gmail-service point at Google; a client id without a secret is refused; the
# shipped .env.example, copied as it is, is demo mode. Prints one "ok" line per check.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0

# render ENV_FILE: the resolved configuration as JSON, with a clean environment so that variables
# of the calling shell (which compose would prefer over .env) cannot leak in.
render() {
  env -i PATH="$PATH" HOME="$HOME" docker compose --env-file "$1" -f docker-compose.yml config --format json
}

check() { # name ENV_FILE python-assertions
  local name=$1 envfile=$2 code=$3
  render "$envfile" >"$tmp/config.json"
  python3 - "$tmp/config.json" "$code" <<'PY'
import json, sys
services = json.load(open(sys.argv[1]))["services"]
auth = services["auth-service"]["environment"]
gmail = services["gmail-service"]["environment"]
frontend = services["frontend"]["environment"]
emulator = services["google-emulator"]["environment"]
exec(sys.argv[2])
PY
  echo "ok - $name"
  passed=$((passed + 1))
}

: >"$tmp/empty.env"
check "no .env: demo mode against the emulator" "$tmp/empty.env" '
assert not auth.get("GOOGLE_CLIENT_ID"), auth
assert not auth.get("GOOGLE_CLIENT_SECRET"), auth
assert auth["GOOGLE_AUTH_URL"] == "http://localhost:5003/o/oauth2/v2/auth", auth
assert auth["GOOGLE_TOKEN_URL"] == "http://google-emulator:5003/token", auth
assert auth["GOOGLE_REVOKE_URL"] == "http://google-emulator:5003/revoke", auth
assert auth["GOOGLE_JWKS_URL"] == "http://google-emulator:5003/oauth2/v3/certs", auth
assert auth["GOOGLE_ISSUER"] == "http://localhost:5003", auth
assert auth["PUBLIC_BASE_URL"] == "http://localhost:5000", auth
assert auth["REDIS_URL"] == "redis://redis:6379", auth
assert gmail["GMAIL_API_BASE"] == "http://google-emulator:5003/gmail/v1/users/me", gmail
assert gmail["AUTH_SERVICE_URL"] == "http://auth-service:5001", gmail
assert emulator["EMULATOR_REDIRECT_URIS"] == "http://localhost:5000/oauth/callback", emulator
assert emulator["EMULATOR_AUTO_APPROVE"] == "0", emulator
assert frontend["AUTH_SERVICE_URL"] == "http://auth-service:5001", frontend
assert frontend["GMAIL_SERVICE_URL"] == "http://gmail-service:5002", frontend
assert frontend["GMAIL_PUBLIC_URL"] == "http://localhost:5002", frontend
# The demo image proxy reaches the emulator (the newsletter pictures) on the compose network.
assert frontend["IMAGE_PROXY_ALLOW_PRIVATE"] == "1", frontend
assert "images.trailnotes.test" in services["google-emulator"]["networks"]["default"]["aliases"]
'

# Real mode also needs the production secrets (nothing generates its own keys outside demo mode).
secrets='JWT_SIGNING_KEY="-----BEGIN PRIVATE KEY-----\nMIGH-test\n-----END PRIVATE KEY-----"\nTOKEN_ENCRYPTION_KEY=dGVzdC10ZXN0LXRlc3QtdGVzdC10ZXN0LXRlc3QtdGU=\nGMAIL_SERVICE_CREDENTIAL=test-credential-value\n'
printf 'GOOGLE_CLIENT_ID=123-abc.apps.googleusercontent.com\nGOOGLE_CLIENT_SECRET=GOCSPX-test-secret\n'"$secrets" >"$tmp/google.env"
check "client id and secret in .env: real Google" "$tmp/google.env" '
assert auth["GOOGLE_CLIENT_ID"] == "123-abc.apps.googleusercontent.com", auth
assert auth["GOOGLE_CLIENT_SECRET"] == "GOCSPX-test-secret"
assert auth["GOOGLE_AUTH_URL"] == "https://accounts.google.com/o/oauth2/v2/auth", auth
assert auth["GOOGLE_TOKEN_URL"] == "https://oauth2.googleapis.com/token", auth
assert auth["GOOGLE_REVOKE_URL"] == "https://oauth2.googleapis.com/revoke", auth
assert auth["GOOGLE_JWKS_URL"] == "https://www.googleapis.com/oauth2/v3/certs", auth
assert auth["GOOGLE_ISSUER"] == "https://accounts.google.com,accounts.google.com", auth
assert gmail["GMAIL_API_BASE"] == "https://gmail.googleapis.com/gmail/v1/users/me", gmail
# the client secret and the keys go to auth-service only; the credential to both ends of the
# internal call
for name, env in services.items():
    if name != "auth-service":
        assert "GOCSPX-test-secret" not in json.dumps(env), name
        assert "PRIVATE KEY" not in json.dumps(env), name
        assert "dGVzdC10ZXN0" not in json.dumps(env), name
assert auth["JWT_SIGNING_KEY"].startswith("-----BEGIN PRIVATE KEY-----"), auth
assert auth["GMAIL_SERVICE_CREDENTIAL"] == gmail["GMAIL_SERVICE_CREDENTIAL"] == "test-credential-value"
assert "GMAIL_SERVICE_CREDENTIAL" not in frontend
assert frontend["IMAGE_PROXY_ALLOW_PRIVATE"] == "0", frontend
assert gmail["AUTH_SERVICE_INTERNAL_URL"] == "http://auth-service:5011", gmail
assert auth["INTERNAL_LISTEN_ADDR"] == "0.0.0.0:5011", auth
assert not any("google-emulator:5003" in v for v in list(auth.values()) + list(gmail.values()) if v), (auth, gmail)
'

printf 'GOOGLE_CLIENT_ID=x.apps.googleusercontent.com\nGOOGLE_CLIENT_SECRET=s\nPUBLIC_BASE_URL=https://mail.example.com\n'"$secrets" >"$tmp/public.env"
check "PUBLIC_BASE_URL reaches auth-service and the emulator's redirect URI" "$tmp/public.env" '
assert auth["PUBLIC_BASE_URL"] == "https://mail.example.com", auth
assert emulator["EMULATOR_REDIRECT_URIS"] == "https://mail.example.com/oauth/callback", emulator
'

# Only the client secret missing (compose names one missing variable, in no fixed order).
printf 'GOOGLE_CLIENT_ID=x.apps.googleusercontent.com\n'"$secrets" >"$tmp/nosecret.env"
if render "$tmp/nosecret.env" >"$tmp/out" 2>&1; then
  echo "not ok - a client id without a secret was accepted" >&2
  exit 1
fi
grep -q GOOGLE_CLIENT_SECRET "$tmp/out" || { cat "$tmp/out" >&2; exit 1; }
echo "ok - a client id without a secret is refused: $(tail -n1 "$tmp/out")"
passed=$((passed + 1))

for missing in JWT_SIGNING_KEY TOKEN_ENCRYPTION_KEY GMAIL_SERVICE_CREDENTIAL; do
  printf 'GOOGLE_CLIENT_ID=x.apps.googleusercontent.com\nGOOGLE_CLIENT_SECRET=s\n'"$secrets" >"$tmp/nokey.env"
  # Drop the variable (the PEM spans three lines).
  python3 - "$tmp/nokey.env" "$missing" <<'PY'
import re, sys
path, name = sys.argv[1], sys.argv[2]
text = open(path).read()
text = re.sub(rf'^{name}=("[^"]*"|[^\n]*)\n', "", text, flags=re.M)
open(path, "w").write(text)
PY
  if render "$tmp/nokey.env" >"$tmp/out" 2>&1; then
    echo "not ok - real Google without $missing was accepted" >&2
    exit 1
  fi
  grep -q "$missing" "$tmp/out" || { cat "$tmp/out" >&2; exit 1; }
  echo "ok - real Google without $missing is refused: $(tail -n1 "$tmp/out")"
  passed=$((passed + 1))
done

check ".env.example copied as it is: demo mode" .env.example '
assert not auth.get("GOOGLE_CLIENT_ID"), auth
assert auth["GOOGLE_TOKEN_URL"] == "http://google-emulator:5003/token", auth
assert gmail["GMAIL_API_BASE"] == "http://google-emulator:5003/gmail/v1/users/me", gmail
'

echo "compose-config: $passed passed, 0 failed"
