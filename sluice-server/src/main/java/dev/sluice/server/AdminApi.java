package dev.sluice.server;

import static dev.sluice.server.HttpApi.JSON;
import static dev.sluice.server.HttpApi.error;
import static dev.sluice.server.HttpApi.errorsJson;
import static dev.sluice.server.HttpApi.guard;
import static dev.sluice.server.HttpApi.json;
import static dev.sluice.server.HttpApi.statusJson;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.sluice.rules.Domain;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The admin port: the rules admin API, {@code /metrics}, {@code /healthz} and {@code /readyz}.
 * Reads are open; writes ({@code PUT /v1/rules/{domain}}, {@code POST /v1/reload}) need {@code
 * Authorization: Bearer <token>} ({@link AdminToken}): a missing or wrong token is 401 without
 * detail, and without a configured token every write is 403 with a message saying how to enable
 * them. The token is checked before the body is read. Every write that passed the check is
 * recorded in the {@link AuditLog}, shown by {@code GET /v1/rules}. File I/O runs on Armeria's
 * blocking executor, never on an event loop.
 */
final class AdminApi {

  private static final MediaType PROMETHEUS =
      MediaType.parse("text/plain; version=0.0.4; charset=utf-8");
  /** The answer to a write while no token is configured. */
  static final String WRITES_DISABLED = "admin writes are disabled: no admin token is configured."
      + " Start the service with the token in the environment variable "
      + ServerConfig.ADMIN_TOKEN_ENV + " or in a file named by admin-token-file, then send"
      + " 'Authorization: Bearer <token>'";

  private final LiveRules rules;
  private final Metrics metrics;
  private final HttpApi health;
  private final AdminToken token;
  private final AuditLog audit;

  AdminApi(LiveRules rules, Metrics metrics, HttpApi health, AdminToken token, AuditLog audit) {
    this.rules = rules;
    this.metrics = metrics;
    this.health = health;
    this.token = token;
    this.audit = audit;
  }

  void bind(ServerBuilder sb) {
    sb.route().get("/v1/rules").build(guard(this::listRules));
    sb.route().get("/v1/rules/{domain}").build(guard(this::getRules));
    sb.route().put("/v1/rules/{domain}").build(write(fromFiles(guard(this::putRules))));
    sb.route().post("/v1/reload").build(write(fromFiles(guard(this::reload))));
    sb.route().get("/metrics").build((ctx, req) ->
        HttpResponse.of(HttpStatus.OK, PROMETHEUS, metrics.scrape()));
    health.bindHealth(sb);
  }

  /** A write: the token is checked from the headers, before the body is read. */
  private HttpService write(HttpService service) {
    return (ctx, req) -> {
      String action = req.method() + " " + ctx.path();
      if (!token.configured()) {
        audit.refused(remote(ctx), action, 403, "no admin token configured");
        return error(HttpStatus.FORBIDDEN, WRITES_DISABLED);
      }
      if (!token.accepts(req.headers().get(HttpHeaderNames.AUTHORIZATION))) {
        audit.refused(remote(ctx), action, 401, "missing or wrong token");
        return HttpResponse.of(ResponseHeaders.builder(HttpStatus.UNAUTHORIZED)
            .add(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer")
            .contentType(MediaType.JSON_UTF_8).build(),
            com.linecorp.armeria.common.HttpData.ofUtf8("{\"error\":\"unauthorized\"}\n"));
      }
      return service.serve(ctx, req);
    };
  }

  /**
   * A write of rules files: refused (409, recorded) while the rules come from an xDS management
   * server, which owns them.
   */
  private HttpService fromFiles(HttpService service) {
    return (ctx, req) -> {
      if (!rules.fromXds()) {
        return service.serve(ctx, req);
      }
      audit.record(remote(ctx), token.fingerprint(), req.method() + " " + ctx.path(), 409,
          XDS_OWNS_RULES);
      return error(HttpStatus.CONFLICT, XDS_OWNS_RULES);
    };
  }

  /** The answer to a write of rules while they come from xDS. */
  static final String XDS_OWNS_RULES = "the rules come from the xDS management server"
      + " (config-source: xds): change them there";

  /** The client's address as {@code host:port} ({@code [v6]:port}). */
  static String remote(ServiceRequestContext ctx) {
    SocketAddress a = ctx.remoteAddress();
    if (a instanceof InetSocketAddress i && i.getAddress() != null) {
      String host = i.getAddress().getHostAddress();
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + i.getPort();
    }
    return String.valueOf(a);
  }

  private CompletableFuture<HttpResponse> listRules(ServiceRequestContext ctx,
      AggregatedHttpRequest req) {
    ObjectNode out = JSON.createObjectNode();
    out.set("status", statusJson(rules.status()));
    ArrayNode domains = out.putArray("domains");
    for (Domain d : rules.current().domains()) {
      ObjectNode n = domains.addObject().put("domain", d.name());
      d.files().forEach(n.putArray("files")::add);
    }
    out.put("tree", rules.current().render());
    ArrayNode changes = out.putArray("audit");
    for (AuditLog.Entry e : audit.entries()) {
      changes.addObject().put("at", e.at().toString()).put("remote", e.remote())
          .put("token", e.token()).put("action", e.action()).put("status", e.status())
          .put("result", e.result());
    }
    return CompletableFuture.completedFuture(json(HttpStatus.OK, out, Map.of()));
  }

  private CompletableFuture<HttpResponse> getRules(ServiceRequestContext ctx,
      AggregatedHttpRequest req) {
    String domain = ctx.pathParam("domain");
    return CompletableFuture.supplyAsync(() -> {
      Map<String, String> sources;
      try {
        sources = rules.sources(domain == null ? "" : domain);
      } catch (IOException e) {
        return error(HttpStatus.SERVICE_UNAVAILABLE, "cannot read the rules: " + e.getMessage());
      }
      if (sources.isEmpty()) {
        return error(HttpStatus.NOT_FOUND, "no rules for domain " + domain);
      }
      return HttpResponse.of(HttpStatus.OK, MediaType.parse("application/yaml; charset=utf-8"),
          String.join("\n---\n", sources.values()));
    }, ctx.blockingTaskExecutor());
  }

  private CompletableFuture<HttpResponse> putRules(ServiceRequestContext ctx,
      AggregatedHttpRequest req) {
    String domain = ctx.pathParam("domain");
    String yaml = HttpApi.utf8(req);
    String who = remote(ctx);
    String action = "PUT /v1/rules/" + domain;
    return CompletableFuture.supplyAsync(() -> {
      LiveRules.PutResult r;
      try {
        r = rules.put(domain == null ? "" : domain, yaml);
      } catch (IOException e) {
        audit.record(who, token.fingerprint(), action, 503, "cannot write the rules: "
            + e.getMessage());
        return error(HttpStatus.SERVICE_UNAVAILABLE, "cannot write the rules: " + e.getMessage());
      }
      int bytes = yaml.getBytes(StandardCharsets.UTF_8).length;
      audit.record(who, token.fingerprint(), action, r.status(), r.message()
          + (r.file() != null ? ": " + r.file() + " (" + bytes + " bytes)" : "")
          + (r.errors().isEmpty() ? "" : " (" + r.errors().size() + " error(s), first: "
              + r.errors().get(0) + ")"));
      ObjectNode out = JSON.createObjectNode();
      out.put("domain", domain);
      out.put("message", r.message());
      if (r.file() != null) {
        out.put("file", r.file().toString());
      }
      out.set("errors", errorsJson(r.errors()));
      if (r.status() != 200) {
        out.put("error", r.message());
      }
      return json(HttpStatus.valueOf(r.status()), out, Map.of());
    }, ctx.blockingTaskExecutor());
  }

  private CompletableFuture<HttpResponse> reload(ServiceRequestContext ctx,
      AggregatedHttpRequest req) {
    String who = remote(ctx);
    return CompletableFuture.supplyAsync(() -> {
      LiveRules.Outcome o = rules.reload();
      audit.record(who, token.fingerprint(), "POST /v1/reload", o.ok() ? 200 : 409,
          o.ok() ? "reloaded: " + rules.status().domains() + " domain(s)"
              : "invalid rules (" + o.errors().size() + " error(s)); still serving the last"
                  + " good set");
      ObjectNode out = JSON.createObjectNode();
      out.put("ok", o.ok());
      out.set("errors", errorsJson(o.errors()));
      out.set("status", statusJson(rules.status()));
      if (!o.ok()) {
        out.put("error", "invalid rules; still serving the last good set");
      }
      return json(o.ok() ? HttpStatus.OK : HttpStatus.CONFLICT, out, Map.of());
    }, ctx.blockingTaskExecutor());
  }
}
