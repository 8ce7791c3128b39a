#!/usr/bin/env bash
# Sign Sahara.app with a Developer ID, build the .dmg, sign it, notarise it and staple the ticket.
#
#   MACOS_SIGN_IDENTITY="Developer ID Application: Example Ltd (TEAMID1234)" \
#   NOTARY_PROFILE=sahara-notary \
#   packaging/macos/sign_and_notarize.sh dist/Sahara.app dist/sahara-0.1.0-macos-arm64.dmg
#
# Inputs (never in the repository):
#   MACOS_SIGN_IDENTITY  the "Developer ID Application" certificate's name in the keychain
#                        (`security find-identity -v -p codesigning` lists them)
#   NOTARY_PROFILE       a notarytool keychain profile, made once with
#                        `xcrun notarytool store-credentials sahara-notary --apple-id ID --team-id TEAM`
#                        (it asks for an app-specific password); or, in CI, APPLE_ID, APPLE_TEAM_ID and
#                        APPLE_APP_PASSWORD instead of a profile
# Without MACOS_SIGN_IDENTITY the .dmg is built unsigned (Gatekeeper then asks users to right-click
# > Open) and notarisation is skipped.
set -euo pipefail
app="${1:?usage: sign_and_notarize.sh path/to/Sahara.app out.dmg}"
dmg="${2:?usage: sign_and_notarize.sh path/to/Sahara.app out.dmg}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
identity="${MACOS_SIGN_IDENTITY:-}"

if [[ -n "$identity" ]]; then
    # Inside out: every Mach-O (dylibs, .so, anvil, the executable), then the bundle. --deep is not
    # used (Apple: it signs nested code with the wrong options).
    sign=(codesign --force --timestamp --options runtime --entitlements "$here/entitlements.plist" --sign "$identity")
    while IFS= read -r -d '' file; do
        if file -b "$file" | grep -q "Mach-O"; then "${sign[@]}" "$file"; fi
    done < <(find "$app/Contents" -type f -print0)
    "${sign[@]}" "$app"
    codesign --verify --strict --deep --verbose=2 "$app"
else
    echo "sign_and_notarize: MACOS_SIGN_IDENTITY not set; building an unsigned .dmg" >&2
fi

rm -f "$dmg"
dmgbuild -s "$here/dmg_settings.py" -D app="$app" "Sahara Desktop" "$dmg"

if [[ -n "$identity" ]]; then
    codesign --force --timestamp --sign "$identity" "$dmg"
    if [[ -n "${NOTARY_PROFILE:-}" ]]; then
        auth=(--keychain-profile "$NOTARY_PROFILE")
    else
        auth=(--apple-id "${APPLE_ID:?set NOTARY_PROFILE or APPLE_ID}" --team-id "${APPLE_TEAM_ID:?}" \
              --password "${APPLE_APP_PASSWORD:?}")
    fi
    xcrun notarytool submit "$dmg" "${auth[@]}" --wait
    xcrun stapler staple "$dmg"
    spctl --assess --type open --context context:primary-signature --verbose=2 "$dmg"
fi
echo "sign_and_notarize: $dmg"
