#!/usr/bin/env bash
# Starts the demo: the InvoiceBox simulator and pms-host with the seeded hotel (booking
# №471887) and the InvoiceBox plugin already enabled against the simulator. Ctrl-C stops both.
#
#   scripts/demo.sh BUILD_DIR        (scripts/pms.sh demo calls it after building)
#
# Ports: PMS_DEMO_HOST_PORT (default 8080) and PMS_DEMO_SIM_PORT (default 8081), on 127.0.0.1.
# Data lives in BUILD_DIR/demo-data and survives a restart; delete it to start over.
set -euo pipefail

build="${1:?usage: demo.sh BUILD_DIR}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
host_port="${PMS_DEMO_HOST_PORT:-8080}"
sim_port="${PMS_DEMO_SIM_PORT:-8081}"
data="$build/demo-data"
mkdir -p "$data"

plugin="ru.invoicebox.pms.payment-link"
property=1
# Demo-only credentials of the simulated shop; real ones are typed into the settings page.
merchant="5f3c2a9e-1b7d-4c8e-9a10-2d4b6e8f0a11"
token="demo0token0f6a1c3e5b7d9f2a4c6e8b0d"
api_key="demo-signature-key"
# The second simulated shop: «ООО «ЙЕС-АРЕНДА»» (account 30682278) is paid into its own shop,
# never into «Суперотель»'s (architecture §7). Legal entity ids are the seed's: 1 and 2.
merchant2="5f3c2a9e-1b7d-4c8e-9a10-2d4b6e8f0a12"
token2="demo1token0f6a1c3e5b7d9f2a4c6e8b0d"
api_key2="demo-signature-key-2"

host_url="http://127.0.0.1:$host_port"
sim_url="http://127.0.0.1:$sim_port"
hook_url="$host_url/hooks/$plugin/$property/"

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "demo stopped"
}
trap stop INT TERM EXIT

# Waits until a line of the log file starts with $2 (the first stdout line of each program).
wait_for_line() {
  local file="$1" prefix="$2"
  for _ in $(seq 1 100); do
    if grep -q "^$prefix" "$file" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for '$prefix' in $file" >&2
  cat "$file" >&2
  return 1
}

"$build/bin/invoicebox-sim" --listen "127.0.0.1:$sim_port" --merchant-id "$merchant" \
  --token "$token" --api-key "$api_key" --notification-url "$hook_url" \
  --account "$merchant2:$token2:$api_key2" \
  --state "$data/invoicebox-sim.json" --shop-name "Гранд Отель Суперотель" --quiet \
  >"$data/sim.out" 2>"$data/sim.log" &
pids+=($!)
wait_for_line "$data/sim.out" "http"

# Secrets go to the host in files only it can read, never on the command line (ps shows argv).
secrets="$data/secrets"
(umask 077; mkdir -p "$secrets"; printf '%s\n' "$token" >"$secrets/api_token"; \
  printf '%s\n' "$api_key" >"$secrets/api_key"; printf '%s\n' "$token2" >"$secrets/api_token_2"; \
  printf '%s\n' "$api_key2" >"$secrets/api_key_2")

"$build/bin/pms-host" --listen "127.0.0.1:$host_port" --data "$data" \
  --plugins "$build/plugins" --web-root "$here/host_stub/web" --seed-demo \
  --public-url "$host_url" \
  --enable "$plugin:$property" \
  --setting "$plugin:$property:merchant_id=$merchant" \
  --secret "$plugin:$property:api_token=@$secrets/api_token" \
  --secret "$plugin:$property:api_key=@$secrets/api_key" \
  --setting "$plugin:$property:api_base_url=$sim_url" \
  --setting "$plugin:$property:legal_entity_id=1" \
  --setting "$plugin:$property:legal_entities/0/legal_entity_id=2" \
  --setting "$plugin:$property:legal_entities/0/merchant_id=$merchant2" \
  --secret "$plugin:$property:legal_entities/0/api_token=@$secrets/api_token_2" \
  --secret "$plugin:$property:legal_entities/0/api_key=@$secrets/api_key_2" \
  --setting "$plugin:$property:api_host_confirmed=127.0.0.1" \
  --setting "$plugin:$property:notification_url=$hook_url" \
  >"$data/host.out" 2>"$data/host.log" &
pids+=($!)
wait_for_line "$data/host.out" "pms-host listening"

# The demo staff (created by --seed-demo): password "demo" unless PMS_DEMO_PASSWORD is set.
demo_password="${PMS_DEMO_PASSWORD:-demo}"
jar="$data/admin-session.cookies"
# Map the plugin's payment kind to the host's «Безналичный расчёт → Онлайн-оплата (ссылка)»,
# signed in as the demo admin, as the browser would (JSON, the host's own Origin).
python3 -c 'import json, sys; print(json.dumps({"login": "admin", "password": sys.argv[1]}))' \
  "$demo_password" | curl -fsS -c "$jar" -X POST -H 'Content-Type: application/json' \
  -H "Origin: $host_url" --data-binary @- "$host_url/api/session" >/dev/null
mapping_body=$(curl -fsS -b "$jar" "$host_url/api/properties/$property/plugins/$plugin/payment-mapping" | python3 -c '
import json, sys
page = json.load(sys.stdin)
pick = None
for category in page["categories"]:
    for t in category["types"]:
        if "ссылк" in t["name"].lower():
            pick = (category["id"], t["id"])
if pick is None:
    category = page["categories"][0]
    pick = (category["id"], category["types"][0]["id"])
print(json.dumps({"mappings": [{"kind": "payment", "category_id": pick[0], "type_id": pick[1]}]}))')
curl -fsS -b "$jar" -X PUT -H 'Content-Type: application/json' -H "Origin: $host_url" \
  -d "$mapping_body" "$host_url/api/properties/$property/plugins/$plugin/payment-mapping" >/dev/null
curl -fsS -b "$jar" -X DELETE -H 'Content-Type: application/json' -H "Origin: $host_url" \
  "$host_url/api/session" >/dev/null
rm -f "$jar"
if [ -n "${PMS_DEMO_PASSWORD:-}" ]; then shown_password="(PMS_DEMO_PASSWORD)"; else shown_password="demo"; fi

cat <<MSG

  PMS demo is running.

  Sign in as:                admin / frontdesk / accountant, password $shown_password
  Open the folio:            $host_url/#/folio/471887
  Integrations (settings):   $host_url/#/admin/integrations
  InvoiceBox simulator:      $sim_url   (payment pages open from the links you create)
  Logs:                      $data/host.log, $data/sim.log
  Mail (outbox):             $data/outbox/

  Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
