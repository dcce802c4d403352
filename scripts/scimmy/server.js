// An independent SCIM 2.0 service provider for upsmigrate's integration tests.
//
// The protocol (parsing, schema coercion, PATCH, Bulk, filters, list
// responses, errors) is entirely SCIMMY's (npm "scimmy" + "scimmy-routers");
// this file only supplies what SCIMMY leaves to the application: an in-memory
// user store (ingress/egress/degress handlers), userName uniqueness, bearer
// authentication, and a few test helpers outside the SCIM base path.
//
//   PORT          port to listen on, on 127.0.0.1 only (default 9070)
//   SCIMMY_TOKEN  bearer token every request must carry; unset or empty: no auth
//   SCIMMY_BULKID_PATHS=0  do not resolve Bulk paths "/Users/bulkId:x" (SCIMMY alone does not)
//
// SCIM base URL: http://127.0.0.1:$PORT/scim/v2
// Helpers (same auth): GET /_dump (all stored users, JSON), POST /_reset (empty the store)
import {randomUUID} from "node:crypto";
import express from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";

const PORT = Number(process.env.PORT || 9070);
const HOST = "127.0.0.1";
const TOKEN = process.env.SCIMMY_TOKEN || "";
const BASE = "/scim/v2";
// SCIMMY_BULKID_PATHS=0 turns off the "/Users/bulkId:x" path resolution below (plain SCIMMY behaviour).
const BULKID_PATHS = process.env.SCIMMY_BULKID_PATHS !== "0";

// ---------------------------------------------------------------- store

/** id -> stored user (plain JSON, as SCIMMY coerced it, plus id and meta) */
const users = new Map();
/** lower-cased userName -> id (userName is caseExact=false, uniqueness=server) */
const byUserName = new Map();

const clone = (v) => JSON.parse(JSON.stringify(v));
const notFound = (id) => new SCIMMY.Types.Error(404, null, `Resource ${id} not found`);

/**
 * A view of a stored user that SCIMMY's Filter.match can evaluate
 * URN-qualified paths against: Filter parses
 * 'urn:...:enterprise:2.0:User:employeeNumber eq "x"' into the key
 * "urn:...:User:employeeNumber", so each extension attribute is also exposed
 * under its fully qualified name.
 */
function filterView(user) {
    const view = {...user};
    for (const [key, value] of Object.entries(user)) {
        if (key.startsWith("urn:") && value && typeof value === "object" && !Array.isArray(value)) {
            for (const [attr, v] of Object.entries(value)) view[`${key}:${attr}`] = v;
        }
    }
    return view;
}

/**
 * Resolves a "bulkId:x" resource id (a Bulk operation path "/Users/bulkId:x",
 * which SCIMMY itself passes through unresolved) to the id created by the
 * POST operation of the same Bulk request that declared bulkId "x".
 */
function resolveId(id, ctx) {
    if (!BULKID_PATHS || typeof id !== "string" || !id.startsWith("bulkId:")) return id;
    const bulkId = id.slice("bulkId:".length);
    const resolved = ctx?.bulk?.created.get(bulkId);
    if (resolved) return resolved;
    if (ctx?.bulk?.declared.has(bulkId))
        throw new SCIMMY.Types.Error(412, null, `Referenced POST operation with bulkId '${bulkId}' was not successful`);
    throw new SCIMMY.Types.Error(400, "invalidValue", `No POST operation found matching bulkId '${bulkId}'`);
}

SCIMMY.Resources.declare(SCIMMY.Resources.User, {
    extensions: [{schema: SCIMMY.Schemas.EnterpriseUser, required: false}],

    // Create (no resource.id) or replace (PUT, and the final write of a PATCH).
    ingress: async (resource, instance, ctx) => {
        const data = clone(instance);
        delete data.id;
        delete data.meta;
        const key = String(data.userName ?? "").toLowerCase();
        const now = new Date().toISOString();

        if (resource.id) {
            const id = resolveId(resource.id, ctx);
            const existing = users.get(id);
            if (!existing) throw notFound(resource.id);
            const owner = byUserName.get(key);
            if (owner !== undefined && owner !== id)
                throw new SCIMMY.Types.Error(409, "uniqueness", `userName '${data.userName}' is already in use`);
            byUserName.delete(String(existing.userName).toLowerCase());
            byUserName.set(key, id);
            const stored = {id, ...data, meta: {resourceType: "User", created: existing.meta.created, lastModified: now}};
            users.set(id, stored);
            return clone(stored);
        }

        if (byUserName.has(key))
            throw new SCIMMY.Types.Error(409, "uniqueness", `userName '${data.userName}' is already in use`);
        const id = randomUUID();
        const stored = {id, ...data, meta: {resourceType: "User", created: now, lastModified: now}};
        users.set(id, stored);
        byUserName.set(key, id);
        // Remember which bulkId created this user, for "/Users/bulkId:x" paths.
        const bulkId = ctx?.bulk?.byUserName.get(key);
        if (bulkId !== undefined && !ctx.bulk.created.has(bulkId)) ctx.bulk.created.set(bulkId, id);
        return clone(stored);
    },

    // Read one (resource.id) or many (resource.filter; paging and sorting are SCIMMY's).
    egress: async (resource, ctx) => {
        if (resource.id) {
            const id = resolveId(resource.id, ctx);
            const user = users.get(id);
            if (!user) throw notFound(resource.id);
            return clone(user);
        }
        const all = [...users.values()];
        if (!resource.filter) return all.map(clone);
        const views = all.map(filterView);
        const matched = new Set(resource.filter.match(views));
        return all.filter((_, i) => matched.has(views[i])).map(clone);
    },

    degress: async (resource, ctx) => {
        const id = resolveId(resource.id, ctx);
        const user = users.get(id);
        if (!user) throw notFound(resource.id);
        users.delete(id);
        byUserName.delete(String(user.userName).toLowerCase());
    },
});

// Bulk limits advertised in ServiceProviderConfig (and enforced by scimmy-routers).
SCIMMY.Config.set({bulk: {supported: true, maxOperations: 1000, maxPayloadSize: 1048576}});

// ---------------------------------------------------------------- http

const authorized = (req) => !TOKEN || req.get("authorization") === `Bearer ${TOKEN}`;

/**
 * Per-request context handed to the ingress/egress/degress handlers. For a
 * Bulk request it carries what is needed to resolve "/Users/bulkId:x" paths:
 * SCIMMY runs the operations of one request in order, so the POST declaring
 * bulkId x has finished before a later operation addresses "/Users/bulkId:x".
 */
function context(req) {
    if (!BULKID_PATHS || req.method !== "POST" || !req.path.endsWith("/Bulk")) return {};
    const declared = new Set();
    const byUserName = new Map();
    for (const op of Array.isArray(req.body?.Operations) ? req.body.Operations : []) {
        if (String(op?.method).toUpperCase() !== "POST" || typeof op.bulkId !== "string") continue;
        declared.add(op.bulkId);
        const userName = op.data?.userName;
        // The first POST of a userName creates it; a later one fails with 409 anyway.
        if (typeof userName === "string" && !byUserName.has(userName.toLowerCase())) byUserName.set(userName.toLowerCase(), op.bulkId);
    }
    return {bulk: {declared, byUserName, created: new Map()}};
}

const app = express();
app.disable("x-powered-by");
// express would send a weak ETag of every body; SCIM etags are not supported (ServiceProviderConfig says so).
app.set("etag", false);

// One log line per request (the log is in .run/server.log when started by run.sh).
app.use((req, res, next) => {
    const started = Date.now();
    res.on("finish", () => console.log(`${new Date().toISOString()} ${req.method} ${req.originalUrl} ${res.statusCode} ${Date.now() - started}ms`));
    next();
});

// Test helpers, outside the SCIM base path.
app.get("/_dump", (req, res) => {
    if (!authorized(req)) return res.status(401).json({error: "unauthorized"});
    res.json({totalResults: users.size, Resources: [...users.values()]});
});
app.post("/_reset", (req, res) => {
    if (!authorized(req)) return res.status(401).json({error: "unauthorized"});
    users.clear();
    byUserName.clear();
    res.status(204).end();
});

app.use(BASE, new SCIMMYRouters({
    type: "bearer",
    handler: (req) => {
        if (!authorized(req)) throw new Error("Missing or invalid bearer token");
        // Not a user id: /Me answers 501.
        return undefined;
    },
    context,
    // Absolute locations (meta.location, Bulk "location"); without this SCIMMY answers relative paths.
    baseUri: (req) => `${req.protocol}://${req.get("host") || `${HOST}:${PORT}`}`,
}));

app.use((req, res) => res.status(404).json({error: "not found"}));

const server = app.listen(PORT, HOST, () => {
    console.log(`scimmy listening on http://${HOST}:${PORT}${BASE} (auth: ${TOKEN ? "bearer token" : "none"})`);
});
server.on("error", (err) => {
    console.error(`scimmy: ${err.message}`);
    process.exit(1);
});

function shutdown(signal) {
    console.log(`scimmy: ${signal}, shutting down`);
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
