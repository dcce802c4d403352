#!/usr/bin/env bash
# Smoke test of the SCIMMY test server (scripts/scimmy/run.sh start): the SCIM
# behaviour upsmigrate relies on, checked with curl. Exits non-zero when a
# check fails. Creates users with a per-run suffix and deletes them again.
#
#   UPSMIGRATE_SCIMMY_URL    default http://127.0.0.1:${PORT:-9070}/scim/v2
#   UPSMIGRATE_SCIMMY_TOKEN  bearer token (default $SCIMMY_TOKEN; empty: none)
set -uo pipefail

base="${UPSMIGRATE_SCIMMY_URL:-http://127.0.0.1:${PORT:-9070}/scim/v2}"
base="${base%/}"
root="${base%/scim/v2}"
token="${UPSMIGRATE_SCIMMY_TOKEN:-${SCIMMY_TOKEN:-}}"
ENT="urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE="urn:ietf:params:scim:schemas:core:2.0:User"
PATCHOP="urn:ietf:params:scim:api:messages:2.0:PatchOp"
BULKREQ="urn:ietf:params:scim:api:messages:2.0:BulkRequest"
run="$(date +%s)-$$"

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1" >&2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# req METHOD PATH [BODY] [extra curl args...]: sets $status and $body.
req() {
	local method="$1" path="$2" data="${3:-}"
	shift 3 2>/dev/null || shift $#
	local args=(-s -o "$tmp/body" -w '%{http_code}' -X "$method" -H 'Accept: application/scim+json')
	[ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
	[ -n "$data" ] && args+=(-H 'Content-Type: application/scim+json' --data-binary "$data")
	local url="$path"
	[[ "$path" == http* ]] || url="$base$path"
	status="$(curl "${args[@]}" "$@" "$url")" || status="curl-failed"
	body="$(cat "$tmp/body" 2>/dev/null)"
}

# j EXPR...: evaluates JavaScript expressions over the last body (bound to d);
# prints the results NUL-separated (objects as JSON, undefined as <undefined>).
j() {
	printf '%s' "$body" | node -e '
		let d; try { d = JSON.parse(require("fs").readFileSync(0, "utf8")); } catch { d = undefined; }
		for (const expr of process.argv.slice(1)) {
			let v; try { v = eval(expr); } catch { v = undefined; }
			process.stdout.write((v === undefined ? "<undefined>" : typeof v === "object" ? JSON.stringify(v) : String(v)) + "\0");
		}
	' "$@"
}
# j1 EXPR: one value, no separator.
j1() { j "$1" | tr -d '\0'; }

# expect NAME WANT_STATUS [EXPR WANT]...: checks the status and each expression.
expect() {
	local name="$1" want="$2"
	shift 2
	if [ "$status" != "$want" ]; then
		fail "$name: status $status, want $want; body: ${body:0:600}"
		return 1
	fi
	local exprs=() wants=() got=() i
	while [ $# -ge 2 ]; do
		exprs+=("$1")
		wants+=("$2")
		shift 2
	done
	if [ ${#exprs[@]} -gt 0 ]; then
		mapfile -d '' got < <(j "${exprs[@]}")
		for i in "${!exprs[@]}"; do
			if [ "${got[$i]:-<missing>}" != "${wants[$i]}" ]; then
				fail "$name: ${exprs[$i]} = ${got[$i]:-<missing>}, want ${wants[$i]}; body: ${body:0:600}"
				return 1
			fi
		done
	fi
	ok "$name"
}

echo "scimmy smoke: $base"

# ---- service provider config and auth
req GET /ServiceProviderConfig
expect "ServiceProviderConfig: bulk, patch, filter supported; bulk limits" 200 \
	'd.bulk.supported' true 'd.bulk.maxOperations >= 100' true 'd.bulk.maxPayloadSize >= 409600' true \
	'd.patch.supported' true 'd.filter.supported' true
req GET /ResourceTypes/User
expect "ResourceType User has the enterprise extension" 200 \
	"d.schemaExtensions.some(e => e.schema === '$ENT')" true
if [ -n "$token" ]; then
	saved="$token"
	token=""
	req GET /Users
	expect "no token: 401" 401 'd.status' 401
	token="wrong-$saved"
	req GET /Users
	expect "wrong token: 401" 401 'd.status' 401
	token="$saved"
fi

# ---- create with the enterprise extension
mgr_user="mgr-$run@smoke.test"
req POST /Users "{\"schemas\":[\"$CORE\",\"$ENT\"],\"userName\":\"$mgr_user\",\"name\":{\"givenName\":\"Mona\",\"familyName\":\"Manager\"},\"$ENT\":{\"employeeNumber\":\"M-$run\"}}"
expect "POST /Users (manager)" 201 'd.userName' "$mgr_user"
mgr_id="$(j1 d.id)"

alice="alice-$run@smoke.test"
req POST /Users "{\"schemas\":[\"$CORE\",\"$ENT\"],\"userName\":\"$alice\",\"externalId\":\"X-$run\",\"name\":{\"givenName\":\"Alice\",\"familyName\":\"Able\"},\"active\":true,
	\"emails\":[{\"value\":\"$alice\",\"type\":\"work\",\"primary\":true}],
	\"$ENT\":{\"employeeNumber\":\"E-$run\",\"costCenter\":\"CC-7\",\"organization\":\"Org\",\"division\":\"Div\",\"department\":\"Dept\",\"manager\":{\"value\":\"$mgr_id\"}}}"
expect "POST /Users with the enterprise extension: values echoed" 201 \
	'd.schemas.includes("'$ENT'")' true \
	"d['$ENT'].employeeNumber" "E-$run" "d['$ENT'].costCenter" CC-7 "d['$ENT'].organization" Org \
	"d['$ENT'].division" Div "d['$ENT'].department" Dept "d['$ENT'].manager.value" "$mgr_id" \
	'd.meta.location === "'$base'/Users/" + d.id' true
alice_id="$(j1 d.id)"

req GET "/Users/$alice_id"
expect "GET /Users/{id}: values stored" 200 "d['$ENT'].employeeNumber" "E-$run" 'd.emails[0].value' "$alice" 'd.name.givenName' Alice

# ---- filters
req GET /Users '' -G --data-urlencode "filter=userName eq \"$alice\""
expect 'filter userName eq "x"' 200 'd.totalResults' 1 'd.Resources[0].id' "$alice_id"
req GET /Users '' -G --data-urlencode "filter=$ENT:employeeNumber eq \"E-$run\""
expect 'filter enterprise employeeNumber eq "x"' 200 'd.totalResults' 1 'd.Resources[0].id' "$alice_id"
req GET /Users '' -G --data-urlencode "filter=externalId eq \"X-$run\""
expect 'filter externalId eq "x"' 200 'd.totalResults' 1 'd.Resources[0].id' "$alice_id"
req GET /Users '' -G --data-urlencode "filter=$ENT:employeeNumber eq \"none-$run\""
expect 'filter matching nothing: empty ListResponse' 200 'd.totalResults' 0 'd.Resources.length' 0

# ---- uniqueness
req POST /Users "{\"schemas\":[\"$CORE\"],\"userName\":\"$alice\"}"
expect "duplicate userName: 409 uniqueness" 409 'd.status' 409 'd.scimType' uniqueness
req POST /Users "{\"schemas\":[\"$CORE\"],\"userName\":\"${alice^^}\"}"
expect "duplicate userName in other case: 409 uniqueness" 409 'd.scimType' uniqueness

# ---- PATCH, RFC 7644 dialect
req PATCH "/Users/$alice_id" "{\"schemas\":[\"$PATCHOP\"],\"Operations\":[
	{\"op\":\"replace\",\"path\":\"name.givenName\",\"value\":\"Alicia\"},
	{\"op\":\"add\",\"path\":\"emails\",\"value\":[{\"value\":\"home-$run@smoke.test\",\"type\":\"home\"}]},
	{\"op\":\"add\",\"path\":\"entitlements\",\"value\":[{\"value\":\"expense-user\"},{\"value\":\"travel-user\"}]},
	{\"op\":\"replace\",\"path\":\"$ENT:employeeNumber\",\"value\":\"E2-$run\"}]}"
expect "PATCH replace name.givenName, add emails, add entitlements {value}, replace enterprise employeeNumber" 200 \
	'd.name.givenName' Alicia 'd.name.familyName' Able 'd.emails.length' 2 'd.emails[1].type' home \
	'd.entitlements.map(e => e.value).join()' expense-user,travel-user "d['$ENT'].employeeNumber" "E2-$run" \
	"d['$ENT'].costCenter" CC-7
req GET /Users '' -G --data-urlencode "filter=$ENT:employeeNumber eq \"E2-$run\""
expect "filter finds the patched employeeNumber" 200 'd.totalResults' 1 'd.Resources[0].id' "$alice_id"
req PATCH "/Users/$alice_id" "{\"schemas\":[\"$PATCHOP\"],\"Operations\":[{\"op\":\"replace\",\"path\":\"name.givenName\",\"value\":\"Alicia\"}]}"
expect "PATCH that changes nothing: 204" 204

# ---- Bulk: POST (bulkId) + PATCH /Users/bulkId:x in one request
bob="bob-$run@smoke.test"
req POST /Bulk "{\"schemas\":[\"$BULKREQ\"],\"Operations\":[
	{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"emp-bob\",\"data\":{\"schemas\":[\"$CORE\",\"$ENT\"],\"userName\":\"$bob\",\"$ENT\":{\"employeeNumber\":\"B-$run\"}}},
	{\"method\":\"PATCH\",\"path\":\"/Users/bulkId:emp-bob\",\"data\":{\"schemas\":[\"$PATCHOP\"],\"Operations\":[
		{\"op\":\"replace\",\"path\":\"$ENT:manager\",\"value\":{\"value\":\"$mgr_id\"}},
		{\"op\":\"replace\",\"path\":\"title\",\"value\":\"Engineer\"}]}}]}"
expect "Bulk POST bulkId + PATCH /Users/bulkId:x" 200 \
	'd.schemas[0]' urn:ietf:params:scim:api:messages:2.0:BulkResponse 'd.Operations.length' 2 \
	'd.Operations[0].status' 201 'd.Operations[0].bulkId' emp-bob 'd.Operations[1].status' 200 \
	'd.Operations[1].location === d.Operations[0].location' true
bob_loc="$(j1 'd.Operations[0].location')"
req GET "$bob_loc"
expect "Bulk PATCH applied to the user the POST created" 200 'd.userName' "$bob" 'd.title' Engineer \
	"d['$ENT'].manager.value" "$mgr_id" "d['$ENT'].employeeNumber" "B-$run"
bob_id="$(j1 d.id)"

# ---- Bulk: two POSTs, the second referencing the first by bulkId in its data
carol="carol-$run@smoke.test"
dave="dave-$run@smoke.test"
req POST /Bulk "{\"schemas\":[\"$BULKREQ\"],\"Operations\":[
	{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"c\",\"data\":{\"schemas\":[\"$CORE\"],\"userName\":\"$carol\"}},
	{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"d\",\"data\":{\"schemas\":[\"$CORE\",\"$ENT\"],\"userName\":\"$dave\",\"$ENT\":{\"manager\":{\"value\":\"bulkId:c\"}}}}]}"
expect "Bulk two POSTs: 201 each with absolute locations" 200 \
	'd.Operations.map(o => o.status).join()' 201,201 'd.Operations.map(o => o.bulkId).join()' c,d \
	'd.Operations.every(o => o.location.startsWith("'$base'/Users/"))' true
carol_id="$(j1 'd.Operations[0].location.split("/").pop()')"
dave_id="$(j1 'd.Operations[1].location.split("/").pop()')"
req GET "/Users/$dave_id"
expect "bulkId:c in data resolved to carol's id" 200 "d['$ENT'].manager.value" "$carol_id"

# ---- Bulk: errors are reported per operation
req POST /Bulk "{\"schemas\":[\"$BULKREQ\"],\"Operations\":[
	{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"dup\",\"data\":{\"schemas\":[\"$CORE\"],\"userName\":\"$alice\"}},
	{\"method\":\"PATCH\",\"path\":\"/Users/bulkId:dup\",\"data\":{\"schemas\":[\"$PATCHOP\"],\"Operations\":[{\"op\":\"replace\",\"path\":\"title\",\"value\":\"x\"}]}},
	{\"method\":\"DELETE\",\"path\":\"/Users/bulkId:undeclared\"}]}"
expect "Bulk errors per operation: 409 uniqueness, 412 for the dependent op, 400 unknown bulkId" 200 \
	'd.Operations.map(o => o.status).join()' 409,412,400 'd.Operations[0].response.scimType' uniqueness \
	'd.Operations[0].location' '<undefined>'

# ---- unknown extension URN: accepted, its data dropped (SCIMMY ignores unknown attributes)
erin="erin-$run@smoke.test"
SPEND="urn:ietf:params:scim:schemas:extension:spend:2.0:User"
req POST /Users "{\"schemas\":[\"$CORE\",\"$SPEND\"],\"userName\":\"$erin\",\"$SPEND\":{\"reimbursementCurrency\":\"USD\"}}"
expect "unknown extension URN: 201, its data dropped" 201 "d['$SPEND']" '<undefined>' 'd.userName' "$erin"
erin_id="$(j1 d.id)"

# ---- the helper endpoint sees the values
req GET "$root/_dump"
expect "GET /_dump lists the stored users with their values" 200 \
	"d.Resources.find(u => u.id === '$alice_id')['$ENT'].employeeNumber" "E2-$run" \
	"d.Resources.find(u => u.id === '$bob_id').title" Engineer

# ---- delete
for id in "$alice_id" "$bob_id" "$carol_id" "$dave_id" "$erin_id" "$mgr_id"; do
	req DELETE "/Users/$id"
	[ "$status" = 204 ] || fail "DELETE /Users/$id: status $status"
done
req GET "/Users/$alice_id"
expect "deleted user: 404" 404 'd.status' 404

echo "smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
