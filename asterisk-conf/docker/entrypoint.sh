#!/bin/sh
# Entrypoint for the Asterisk container of docker-compose.yml.
#
# Copies the voice portal's configuration snippets (asterisk-conf/*.conf, mounted read-only)
# over the image's sample configuration, puts ARI_PASSWORD from .env into ari.conf and each
# phone's SIP_PASSWORD_<ext> into pjsip.conf so that the secrets live only in .env, then starts
# what the image would have started. It refuses to start (exit 1, one line naming the variable
# to set) while any of these passwords is missing or still a placeholder: pjsip.conf binds SIP
# to 0.0.0.0:5060, where scanners try "change-me-1001" within the hour.
#
# Environment:
#   ARI_PASSWORD        required; the password of ARI user "voice-portal" (same as the app's)
#   ARI_PASSWORD_FILE   alternative: a file holding it (Docker secrets), as the application allows
#   SIP_PASSWORD_<ext>  required for every "password = change-me-<ext>" line of pjsip.conf
#                       (SIP_PASSWORD_1001, SIP_PASSWORD_1002 for the sample phones)
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

# The phones' placeholders: "password = change-me-<ext>" takes SIP_PASSWORD_<ext>. Checked
# before anything is installed, so a refused start leaves no half-configured directory.
placeholder='^[[:space:]]*password[[:space:]]*=[[:space:]]*change-me'
if [ -f "$src/pjsip.conf" ]; then
  # Any other placeholder form (a bare "change-me", a trailing comment) has no variable: the
  # administrator must write a password into that line of their pjsip.conf.
  other="$(grep -n "$placeholder" "$src/pjsip.conf" | grep -v -E ':[[:space:]]*password[[:space:]]*=[[:space:]]*change-me-[A-Za-z0-9_]+[[:space:]]*$' | cut -d: -f1 | head -n 1)"
  if [ -n "$other" ]; then
    echo "asterisk-conf/docker/entrypoint.sh: pjsip.conf line $other has a placeholder password with no SIP_PASSWORD_<ext> variable: write password = change-me-<ext> there, or a real password" >&2
    exit 1
  fi
  for ext in $(sed -n "s/${placeholder}-\([A-Za-z0-9_]*\)[[:space:]]*\$/\1/p" "$src/pjsip.conf"); do
    var="SIP_PASSWORD_$ext"
    eval "value=\${$var:-}"
    case "$value" in
      "" | change-me*)
        echo "asterisk-conf/docker/entrypoint.sh: set $var in .env, the SIP password of phone $ext (not empty, not the placeholder; try: openssl rand -hex 12)" >&2
        exit 1
        ;;
    esac
    # ";" starts a comment in pjsip.conf; 12+ characters because SIP on 0.0.0.0:5060 is
    # guessed at from the whole Internet.
    if [ "${#value}" -lt 12 ] || printf '%s' "$value" | LC_ALL=C grep -q '[^A-Za-z0-9._~-]'; then
      echo "asterisk-conf/docker/entrypoint.sh: $var must be 12+ characters from A-Z a-z 0-9 . _ ~ - (try: openssl rand -hex 12)" >&2
      exit 1
    fi
    export "$var"
  done
fi

# Writes a file that holds a secret: readable by Asterisk only (the owner of the configuration
# directory, the image's asterisk user; Asterisk reads its configuration after dropping root,
# -U asterisk, so root-owned would be unreadable), mode 600, moved into place whole.
install_secret() {
  chown --reference="$etc" "$1.new" 2>/dev/null || true
  chmod 600 "$1.new"
  mv "$1.new" "$1"
}

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
    install_secret "$etc/ari.conf"
  elif [ "$name" = "pjsip.conf" ]; then
    # Each phone's placeholder line becomes its SIP_PASSWORD_<ext> (checked above), read by
    # awk from the environment like ARI_PASSWORD.
    awk '
      /^[[:space:]]*password[[:space:]]*=[[:space:]]*change-me-[A-Za-z0-9_]+[[:space:]]*$/ {
        ext = $0; sub(/^.*change-me-/, "", ext); sub(/[[:space:]]*$/, "", ext)
        print "password = " ENVIRON["SIP_PASSWORD_" ext]; next
      }
      { print }
    ' "$conf" > "$etc/pjsip.conf.new"
    install_secret "$etc/pjsip.conf"
  else
    cp "$conf" "$etc/$name"
  fi
  echo "asterisk-conf/docker/entrypoint.sh: installed $name"
done

if [ -x "$next" ]; then
  exec "$next" "$@"
fi
exec "$@"
