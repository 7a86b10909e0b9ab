#!/bin/sh
# Entrypoint for the Asterisk container of docker-compose.yml.
#
# Copies the voice portal's configuration snippets (asterisk-conf/*.conf, mounted read-only)
# over the image's sample configuration, puts ARI_PASSWORD from .env into ari.conf so that the
# secret lives only in .env, then starts what the image would have started.
#
# Environment:
#   ARI_PASSWORD        required; the password of ARI user "voice-portal" (same as the app's)
#   ARI_PASSWORD_FILE   alternative: a file holding it (Docker secrets), as the application allows
#   VOICE_PORTAL_CONF   where asterisk-conf/ is mounted   (default /opt/voice-portal/asterisk-conf)
#   ASTERISK_ETC        Asterisk's configuration directory (default /etc/asterisk)
#   IMAGE_ENTRYPOINT    the image's own entrypoint, run next if present
#                       (default /usr/local/bin/entrypoint.sh: andrius/asterisk's, which adapts
#                       file ownership before Asterisk drops root)
set -eu

src="${VOICE_PORTAL_CONF:-/opt/voice-portal/asterisk-conf}"
etc="${ASTERISK_ETC:-/etc/asterisk}"
next="${IMAGE_ENTRYPOINT:-/usr/local/bin/entrypoint.sh}"

if [ -z "${ARI_PASSWORD:-}" ] && [ -n "${ARI_PASSWORD_FILE:-}" ]; then
  ARI_PASSWORD="$(cat "$ARI_PASSWORD_FILE")"
  export ARI_PASSWORD
fi

# Refuse the placeholder rather than start a PBX whose ARI anyone on the host can drive.
case "${ARI_PASSWORD:-}" in
  "" | change-me)
    echo "asterisk-conf/docker/entrypoint.sh: set ARI_PASSWORD in .env (not empty, not the placeholder)" >&2
    exit 1
    ;;
esac
# Only URL-unreserved characters, 16 or more: ari-client sends the password in the WebSocket
# URL's query string (where & + # % would be mangled), and in ari.conf ";" starts a comment.
# "openssl rand -hex 24" gives a suitable one.
if [ "${#ARI_PASSWORD}" -lt 16 ] || printf '%s' "$ARI_PASSWORD" | LC_ALL=C grep -q '[^A-Za-z0-9._~-]'; then
  echo "asterisk-conf/docker/entrypoint.sh: ARI_PASSWORD must be 16+ characters from A-Z a-z 0-9 . _ ~ - (try: openssl rand -hex 24)" >&2
  exit 1
fi

mkdir -p "$etc"
for conf in "$src"/*.conf; do
  [ -f "$conf" ] || continue
  name="$(basename "$conf")"
  if [ "$name" = "ari.conf" ]; then
    # Replace the placeholder password line. awk reads the secret from the environment, so it
    # never appears on a command line (visible in ps).
    awk '
      /^[[:space:]]*password[[:space:]]*=[[:space:]]*change-me[[:space:]]*$/ {
        print "password = " ENVIRON["ARI_PASSWORD"]; replaced = 1; next
      }
      { print }
      END { if (!replaced) exit 3 }
    ' "$conf" > "$etc/ari.conf.new" || {
      echo "asterisk-conf/docker/entrypoint.sh: no \"password = change-me\" line in $conf to replace" >&2
      rm -f "$etc/ari.conf.new"
      exit 1
    }
    # Only Asterisk may read the file that now holds the secret: give it to the owner of the
    # configuration directory (the image's asterisk user), mode 600. Asterisk reads its
    # configuration after dropping root (-U asterisk), so root-owned would be unreadable.
    chown --reference="$etc" "$etc/ari.conf.new" 2>/dev/null || true
    chmod 600 "$etc/ari.conf.new"
    mv "$etc/ari.conf.new" "$etc/ari.conf"
  else
    cp "$conf" "$etc/$name"
  fi
  echo "asterisk-conf/docker/entrypoint.sh: installed $name"
done

if [ -x "$next" ]; then
  exec "$next" "$@"
fi
exec "$@"
