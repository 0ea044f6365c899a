#!/usr/bin/env bash
# npm run lint:template: cfn-lint over every template the repository packages,
# offline. First the main stack built with the default configuration; then,
# built with the README's worked example (config/examples/two-regions.yml),
# the main stack again and the regional verifier stack of its drill region
# (serverless-verifier.mjs), which the default configuration has none of;
# last, built with config/examples/vault.yml, the vault stack of its vault
# account (serverless-vault.mjs), in its first vault region.
#
# Ignored checks (the README, "Template lint", says why in full):
#   W3005  DependsOn already implied by a Ref/GetAtt: the framework writes
#          both, and the duplicate is harmless.
#   W8003  A condition that is constant for a given configuration
#          (VerifierInVpc and the like): the template is generated per
#          configuration, by design.
set -euo pipefail
cd "$(dirname "$0")/.."

lint() {
  cfn-lint --ignore-checks W3005 W8003 -- "$1"
}

npm run --silent package
lint .serverless/cloudformation-template-update-stack.json

export RESTORABLE_CONFIG=config/examples/two-regions.yml
npm run --silent package -- --package .serverless-two-regions
lint .serverless-two-regions/cloudformation-template-update-stack.json
npx serverless package --config serverless-verifier.mjs --region eu-central-1 --package .serverless-verifier-eu-central-1
lint .serverless-verifier-eu-central-1/cloudformation-template-update-stack.json

export RESTORABLE_CONFIG=config/examples/vault.yml
npm run --silent bundle
npx serverless package --config serverless-vault.mjs --region eu-central-1 --package .serverless-vault
lint .serverless-vault/cloudformation-template-update-stack.json
echo "cfn-lint: 4 templates, no errors"
