package dev.sluice.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.file.FileService;
import dev.sluice.enforcement.TopClients;
import dev.sluice.redis.RedisBackend;
import dev.sluice.spi.Backend;
import dev.sluice.rules.DescriptorRule;
import dev.sluice.rules.Domain;
import dev.sluice.rules.RuleError;
import dev.sluice.rules.RuleSet;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The admin port's live view: {@code GET /v1/top} (the top limited or active clients, {@link
 * TopClients}), the dashboard page under {@code /dashboard/} (static files shipped in the jar,
 * uPlot from its WebJar) and {@code GET /dashboard/data}, the snapshot the page polls: rules,
 * decision counters, top clients, backend state and the last reloads. Read-only: the page's one
 * write (reload) goes to {@code POST /v1/reload} with the admin token the user types.
 *
 * <p>The snapshot reads the service's own meters (the {@code sluice.*} counters of {@link
 * Metrics}), so the dashboard shows what {@code /metrics} exports and adds no work to a decision
 * beyond the top clients' count.
 */
final class Dashboard {

  /** The uPlot WebJar's version (its resources are {@code META-INF/resources/webjars/uplot/V}). */
  static final String UPLOT = "1.6.30";
  static final int MAX_ROWS = 1000;
  private static final int DASHBOARD_TABLES = 6;
  private static final int DASHBOARD_ROWS = 10;

  private final LiveRules rules;
  private final Metrics metrics;
  private final @Nullable TopClients top;
  private final Supplier<CompletionStage<String>> backendState;
  private final String backend;
  private final String mode;
  private final Backend store;

  Dashboard(LiveRules rules, Metrics metrics, @Nullable TopClients top,
      Supplier<CompletionStage<String>> backendState, Backend store, ServerConfig config) {
    this.store = store;
    this.rules = rules;
    this.metrics = metrics;
    this.top = top;
    this.backendState = backendState;
    this.backend = ServerConfig.redacted(config.backend());
    this.mode = config.mode().name().toLowerCase(java.util.Locale.ROOT);
  }

  void bind(ServerBuilder sb) {
    sb.route().get("/v1/top").build(HttpApi.guard(this::topClients));
    sb.route().get("/dashboard/data").build(HttpApi.guard(this::data));
    sb.route().get("/").build((ctx, req) -> HttpResponse.ofRedirect("/dashboard/"));
    sb.route().get("/dashboard").build((ctx, req) -> HttpResponse.ofRedirect("/dashboard/"));
    ClassLoader loader = Dashboard.class.getClassLoader();
    sb.serviceUnder("/dashboard/vendor/uplot/", FileService.builder(loader,
        "META-INF/resources/webjars/uplot/" + UPLOT + "/dist").build());
    sb.serviceUnder("/dashboard/", FileService.builder(loader, "dev/sluice/server/dashboard")
        .build());
  }

  // ---- GET /v1/top

  private CompletableFuture<HttpResponse> topClients(ServiceRequestContext ctx,
      com.linecorp.armeria.common.AggregatedHttpRequest req) {
    if (top == null) {
      return done(HttpApi.error(HttpStatus.NOT_FOUND,
          "the top clients are off (top-clients: 0)"));
    }
    QueryParams q = ctx.queryParams();
    TopClients.Kind kind = kind(q.get("kind", "refused"));
    Duration window = window(q.get("window", "5m"));
    int limit = limit(q.get("limit", "10"));
    String domain = q.get("domain");
    String descriptor = q.get("descriptor");
    RuleSet set = rules.current();
    List<TopClients.Table> tables = new ArrayList<>();
    if (domain == null) {
      if (descriptor != null) {
        throw HttpApi.bad("descriptor needs domain");
      }
      tables.addAll(top.tables());
    } else {
      Optional<Domain> d = set.domain(domain);
      if (d.isEmpty()) {
        return done(HttpApi.error(HttpStatus.NOT_FOUND, "unknown domain '" + domain
            + "': no loaded rules declare it"));
      }
      if (descriptor == null) {
        top.tables().stream().filter(t -> t.domain().equals(domain)).forEach(tables::add);
      } else {
        if (!ruleNames(d.get()).contains(descriptor)) {
          return done(HttpApi.error(HttpStatus.NOT_FOUND, "unknown descriptor '" + descriptor
              + "' in domain '" + domain + "': its rules are " + ruleNames(d.get())));
        }
        tables.add(new TopClients.Table(domain, descriptor));
      }
    }
    ObjectNode out = HttpApi.JSON.createObjectNode();
    out.put("kind", kind.name().toLowerCase(java.util.Locale.ROOT));
    out.put("window", window.toMinutes() + "m");
    out.put("capacity", top.capacity());
    ArrayNode list = out.putArray("tables");
    for (TopClients.Table t : tables) {
      list.add(table(top.top(t, kind, window, limit)));
    }
    return done(HttpApi.json(HttpStatus.OK, out, Map.of()));
  }

  private static ObjectNode table(TopClients.Top t) {
    ObjectNode n = HttpApi.JSON.createObjectNode();
    n.put("domain", t.table().domain());
    n.put("descriptor", t.table().descriptor());
    n.put("total", t.total());
    ArrayNode rows = n.putArray("rows");
    for (TopClients.Row r : t.rows()) {
      rows.addObject().put("client", r.client()).put("count", r.count())
          .put("error", r.error());
    }
    return n;
  }

  private static TopClients.Kind kind(String s) {
    return switch (s) {
      case "refused" -> TopClients.Kind.REFUSED;
      case "active" -> TopClients.Kind.ACTIVE;
      default -> throw HttpApi.bad("kind must be refused or active, was '" + s + "'");
    };
  }

  private static Duration window(String s) {
    Duration d;
    try {
      d = s.matches("\\d{1,4}[smh]") ? Duration.parse("PT" + s.toUpperCase(java.util.Locale.ROOT))
          : Duration.parse(s);
    } catch (DateTimeParseException e) {
      d = null;
    }
    if (d == null || d.isNegative() || d.isZero() || d.compareTo(TopClients.MAX_WINDOW) > 0) {
      throw HttpApi.bad("window must be a duration from 1s to "
          + TopClients.MAX_WINDOW.toMinutes() + "m (30s, 5m, PT10M), was '" + s + "'");
    }
    return d;
  }

  private static int limit(String s) {
    try {
      int n = Integer.parseInt(s);
      if (n >= 1 && n <= MAX_ROWS) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw HttpApi.bad("limit must be a whole number from 1 to " + MAX_ROWS + ", was '" + s + "'");
  }

  /** The names of {@code domain}'s rules, as {@link TopClients} names their tables. */
  static List<String> ruleNames(Domain domain) {
    List<String> out = new ArrayList<>();
    eachRule(domain, (name, rule) -> out.add(name));
    return out;
  }

  /**
   * Calls {@code each} with every rule of {@code domain} that has a rate limit, and its name
   * within the domain ({@code plan_free.user}, as {@link dev.sluice.rules.RuleMatch#ruleKey()}
   * without the domain).
   */
  private static void eachRule(Domain domain, BiConsumer<String, DescriptorRule> each) {
    for (DescriptorRule r : domain.descriptors()) {
      eachRule(r, "", each);
    }
  }

  private static void eachRule(DescriptorRule r, String prefix,
      BiConsumer<String, DescriptorRule> each) {
    String name = prefix + r.namePart();
    if (r.rateLimit().isPresent()) {
      each.accept(name, r);
    }
    for (DescriptorRule child : r.descriptors()) {
      eachRule(child, name + ".", each);
    }
  }

  // ---- GET /dashboard/data

  private CompletableFuture<HttpResponse> data(ServiceRequestContext ctx,
      com.linecorp.armeria.common.AggregatedHttpRequest req) {
    RuleSet set = rules.current();
    String version = Integer.toHexString(System.identityHashCode(set));
    boolean withRules = !version.equals(ctx.queryParams().get("rules"));
    return backendState.get().toCompletableFuture().handle((state, failure) -> {
      ObjectNode out = HttpApi.JSON.createObjectNode();
      out.put("nowMillis", System.currentTimeMillis());
      out.put("rulesVersion", version);
      out.put("rulesLoaded", rules.loaded());
      if (withRules) {
        out.set("domains", domains(set));
        out.put("tree", set.render());
      }
      out.set("decisions", decisions(metrics.registry()));
      out.set("top", topRefused());
      ObjectNode b = out.putObject("backend");
      b.put("uri", backend);
      b.put("mode", mode);
      b.put("state", failure != null ? "unknown: " + failure.getMessage() : state);
      b.put("circuit", store instanceof RedisBackend r
          ? (r.circuitOpen() ? "open (Redis is not asked; the failure policy answers)" : "closed")
          : "none (in-memory)");
      b.set("degraded", byTag(metrics.registry(), "sluice.backend.degraded", "reason"));
      b.set("eventual", eventual(metrics.registry()));
      ArrayNode reloads = out.putArray("reloads");
      for (LiveRules.Reload r : rules.history()) {
        ObjectNode n = reloads.addObject().put("at", r.at().toString()).put("ok", r.ok())
            .put("domains", r.domains());
        ArrayNode errors = n.putArray("errors");
        for (RuleError e : r.errors()) {
          errors.add(e.toString());
        }
      }
      return HttpApi.json(HttpStatus.OK, out, Map.of("cache-control", "no-store"));
    });
  }

  private static ArrayNode domains(RuleSet set) {
    ArrayNode out = HttpApi.JSON.createArrayNode();
    for (Domain d : set.domains()) {
      ObjectNode n = out.addObject().put("name", d.name());
      ArrayNode files = n.putArray("files");
      d.files().forEach(files::add);
      ArrayNode list = n.putArray("rules");
      eachRule(d, (name, r) -> list.addObject().put("descriptor", name)
          .put("metricKey", d.name() + "." + name)
          .put("limit", r.rateLimit().orElseThrow().describe()).put("shadow", r.shadowMode()));
    }
    return out;
  }

  /** {@code sluice.decisions} by domain and descriptor (envoy's metric key), per outcome. */
  private static ArrayNode decisions(MeterRegistry registry) {
    Map<String, ObjectNode> rows = new LinkedHashMap<>();
    ArrayNode out = HttpApi.JSON.createArrayNode();
    for (Counter c : registry.find("sluice.decisions").counters()) {
      String domain = c.getId().getTag("domain");
      String descriptor = c.getId().getTag("descriptor");
      String outcome = c.getId().getTag("outcome");
      if (domain == null || descriptor == null || outcome == null) {
        continue;
      }
      ObjectNode row = rows.computeIfAbsent(domain + '\0' + descriptor, k -> out.addObject()
          .put("domain", domain).put("descriptor", descriptor));
      row.put(outcome, (long) c.count());
    }
    return out;
  }

  private static ObjectNode byTag(MeterRegistry registry, String name, String tag) {
    ObjectNode out = HttpApi.JSON.createObjectNode();
    for (Counter c : registry.find(name).counters()) {
      String value = Objects.requireNonNullElse(c.getId().getTag(tag), "");
      out.put(value, out.path(value).asLong() + (long) c.count());
    }
    return out;
  }

  private static ObjectNode eventual(MeterRegistry registry) {
    ObjectNode out = HttpApi.JSON.createObjectNode();
    for (String name : List.of("syncs", "keys.sent", "hits.sent", "hits.refused",
        "hits.dropped", "store.failures")) {
      FunctionCounter f = registry.find("sluice.eventual." + name).functionCounter();
      if (f != null) {
        out.put(name, (long) f.count());
      }
    }
    return out;
  }

  /** The tables with the most refusals over five minutes, each with its top clients. */
  private ArrayNode topRefused() {
    ArrayNode out = HttpApi.JSON.createArrayNode();
    if (top == null) {
      return out;
    }
    List<TopClients.Top> tops = new ArrayList<>();
    for (TopClients.Table t : top.tables()) {
      TopClients.Top r = top.top(t, TopClients.Kind.REFUSED, Duration.ofMinutes(5),
          DASHBOARD_ROWS);
      if (r.total() > 0) {
        tops.add(r);
      }
    }
    tops.sort(Comparator.comparingLong(TopClients.Top::total).reversed());
    tops.stream().limit(DASHBOARD_TABLES).forEach(t -> out.add(table(t)));
    return out;
  }

  private static CompletableFuture<HttpResponse> done(HttpResponse r) {
    return CompletableFuture.completedFuture(r);
  }
}
