#!/usr/bin/env bash
# Tags a release through the GitHub API (release.yml's release job; docs/releasing.md):
# creates vX.Y.Z at the checked commit unless the pushed tag already is that tag, then moves
# (or creates) the major tag vX to the same commit, so `uses: runbridge/runbridge/action@vX`
# follows the latest X.*.* release. Lightweight tags: the ref's SHA is the commit's SHA, which
# is what a `uses: …@<sha> # vX.Y.Z` pin names.
#   GH_TOKEN REPO SHA TAG MAJOR [TAG_EXISTS=true] bash scripts/release-tags.sh
set -euo pipefail
: "${REPO:?owner/name}" "${SHA:?commit SHA}" "${TAG:?vX.Y.Z}" "${MAJOR:?vX}"

if [ "${TAG_EXISTS:-false}" = true ]; then
  tagged="$(gh api "repos/$REPO/commits/$TAG" --jq .sha)"
  if [ "$tagged" != "$SHA" ]; then
    echo "::error::$TAG points at $tagged, but this run checked $SHA" >&2
    exit 1
  fi
else
  # Fails (422) when the tag exists: a version is released once.
  gh api "repos/$REPO/git/refs" -f "ref=refs/tags/$TAG" -f "sha=$SHA" >/dev/null
  echo "tagged $TAG at $SHA"
fi

if gh api "repos/$REPO/git/ref/tags/$MAJOR" >/dev/null 2>&1; then
  gh api -X PATCH "repos/$REPO/git/refs/tags/$MAJOR" -f "sha=$SHA" -F force=true >/dev/null
  echo "moved $MAJOR to $SHA"
else
  gh api "repos/$REPO/git/refs" -f "ref=refs/tags/$MAJOR" -f "sha=$SHA" >/dev/null
  echo "created $MAJOR at $SHA"
fi
