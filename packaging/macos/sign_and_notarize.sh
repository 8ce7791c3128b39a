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
    # Inside out, and never --deep for signing (Apple: it signs nested code with the wrong options):
    #  1. every loose Mach-O file (dylibs, Python extensions, the anvil executable) outside a .framework;
    #  2. each .framework bundle PyInstaller collected (PySide6's Qt*.framework), deepest first: a
    #     framework is signed as a bundle (its Versions/A seals Resources/Info.plist), not by its binary;
    #  3. the .app, which signs Contents/MacOS/sahara (CFBundleExecutable) and seals everything else.
    # Every piece gets the hardened runtime and a secure timestamp (both required for notarisation).
    # Entitlements belong to a process: only the app's executable gets them (through the bundle's
    # signature); anvil, which the app starts as a separate process, needs none.
    sign=(codesign --force --timestamp --options runtime --sign "$identity")
    while IFS= read -r -d '' file; do
        if [[ "$(file -b "$file")" == *Mach-O* ]]; then "${sign[@]}" "$file"; fi
    done < <(find "$app/Contents" -type f -not -path "*.framework/*" -print0)
    while IFS= read -r framework; do
        "${sign[@]}" "$framework"
    done < <(find "$app/Contents" -type d -name "*.framework" | awk '{ print gsub("/", "/"), $0 }' | sort -rn | cut -d" " -f2-)
    "${sign[@]}" --entitlements "$here/entitlements.plist" "$app"
    codesign --verify --strict --deep --verbose=2 "$app"
    codesign --display --entitlements - "$app"
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
