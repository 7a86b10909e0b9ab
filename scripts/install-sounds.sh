#!/usr/bin/env bash
# Install the voice portal's prompts where Asterisk plays them from, and make Asterisk's core
# sounds (beep, digits, numbers) visible there in English and French.
#
#   sudo scripts/install-sounds.sh                 # sounds dir from /etc/asterisk/asterisk.conf
#   sudo scripts/install-sounds.sh --sounds-dir /var/lib/asterisk/sounds
#
# Why the core-sound part: Debian's asterisk-core-sounds-en-wav and -fr-wav packages install
# under /usr/share/asterisk/sounds/<voice>/ (en_US_f_Allison, fr_CA_f_June), where only
# Debian's own Asterisk package looks. An Asterisk built from source looks in
# <astdatadir>/sounds/<lang>/ and plays no beep and no digits. This links each core sound
# into <sounds>/<lang>/ (never replacing a file that is there), so both kinds of Asterisk work.
#
# Options: --sounds-dir DIR (default: astdatadir of asterisk.conf + /sounds, else
# /var/lib/asterisk/sounds), --asterisk-conf FILE, --debian-sounds DIR (default
# /usr/share/asterisk/sounds), --prompts DIR (default: the sounds/ folder beside this script).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
prompts="$here/sounds"
asterisk_conf=/etc/asterisk/asterisk.conf
debian_sounds=/usr/share/asterisk/sounds
sounds_dir=""

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --sounds-dir) sounds_dir=${2:?--sounds-dir needs a directory}; shift 2 ;;
    --asterisk-conf) asterisk_conf=${2:?--asterisk-conf needs a file}; shift 2 ;;
    --debian-sounds) debian_sounds=${2:?--debian-sounds needs a directory}; shift 2 ;;
    --prompts) prompts=${2:?--prompts needs a directory}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "install-sounds: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ -z "$sounds_dir" ]; then
  datadir=""
  if [ -r "$asterisk_conf" ]; then
    # astdatadir => /var/lib/asterisk   (in the [directories] section; => or =)
    datadir=$(sed -n 's/^[[:space:]]*astdatadir[[:space:]]*=>\{0,1\}[[:space:]]*\([^;[:space:]]*\).*/\1/p' "$asterisk_conf" | tail -n 1)
  fi
  sounds_dir="${datadir:-/var/lib/asterisk}/sounds"
fi

# Debian's voice for each language the portal speaks.
debian_voice() {
  case "$1" in
    en) echo en_US_f_Allison ;;
    fr) echo fr_CA_f_June ;;
  esac
}

for lang in en fr; do
  [ -d "$prompts/$lang/voice-portal" ] || { echo "install-sounds: no prompts in $prompts/$lang/voice-portal" >&2; exit 1; }
  install -d -m 755 "$sounds_dir/$lang/voice-portal"
  install -m 644 "$prompts/$lang/voice-portal/"*.wav "$sounds_dir/$lang/voice-portal/"
  echo "install-sounds: $lang prompts -> $sounds_dir/$lang/voice-portal"

  if [ -e "$sounds_dir/$lang/beep.wav" ] && [ -e "$sounds_dir/$lang/digits/1.wav" ]; then
    echo "install-sounds: $lang core sounds already in $sounds_dir/$lang"
    continue
  fi
  voice_dir="$debian_sounds/$(debian_voice "$lang")"
  if [ ! -d "$voice_dir" ]; then
    echo "install-sounds: warning: no $lang core sounds (beep, digits) in $sounds_dir/$lang nor $voice_dir:" >&2
    echo "install-sounds:   apt-get install asterisk-core-sounds-$lang-wav, then run this again" >&2
    continue
  fi
  voice_dir=$(cd "$voice_dir" && pwd -P)
  linked=0
  for entry in "$voice_dir"/*; do
    name=$(basename "$entry")
    target="$sounds_dir/$lang/$name"
    if [ ! -e "$target" ] && [ ! -L "$target" ]; then
      ln -s "$entry" "$target"
      linked=$((linked + 1))
    fi
  done
  echo "install-sounds: $lang core sounds linked from $voice_dir ($linked entries)"
done
