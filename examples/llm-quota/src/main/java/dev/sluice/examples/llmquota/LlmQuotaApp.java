package dev.sluice.examples.llmquota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.Decision;
import dev.sluice.memory.MemoryBackend;
import dev.sluice.redis.RedisBackend;
import dev.sluice.spi.Backend;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;

/**
 * An LLM-style API on Sluice's reserve-then-settle: {@code POST /v1/completions} reserves an
 * estimated token count in the user's daily budget and the tenant's monthly budget, streams the
 * answer, then settles the real count; {@code GET /v1/usage/<user>} shows both budgets.
 *
 * <p>The estimate is the prompt's tokens plus {@link #EXPECTED_COMPLETION} (or {@code max_tokens}
 * when smaller); the real count is the prompt's tokens plus the tokens streamed. A cheaper answer
 * gives the difference back, a dearer one is charged in full, past the budget if need be.
 */
public final class LlmQuotaApp implements AutoCloseable {

  /** The completion length an estimate assumes. */
  static final long EXPECTED_COMPLETION = 200;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Accounts accounts;
  private final Budgets budgets;
  private final HttpServer server;

  LlmQuotaApp(Backend backend, Accounts accounts, int port) throws IOException {
    this.accounts = accounts;
    this.budgets = new Budgets(backend, accounts);
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext("/v1/completions", this::completions);
    server.createContext("/v1/usage/", this::usage);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
    String redis = System.getenv("REDIS");
    Backend backend = redis == null || redis.isEmpty() ? MemoryBackend.create()
        : RedisBackend.builder(redis).build();
    LlmQuotaApp app = new LlmQuotaApp(backend, Accounts.demo(), port);
    System.out.println("llm-quota on http://127.0.0.1:" + app.port() + " ("
        + (redis == null || redis.isEmpty() ? "memory" : redis) + ")");
  }

  private void completions(HttpExchange ex) throws IOException {
    try (ex) {
      if (!ex.getRequestMethod().equals("POST")) {
        send(ex, 405, error("use POST"));
        return;
      }
      JsonNode body;
      try {
        body = JSON.readTree(ex.getRequestBody());
      } catch (IOException e) {
        send(ex, 400, error("the body is not JSON"));
        return;
      }
      Optional<Accounts.User> user = accounts.user(body.path("user").asText(""));
      String prompt = body.path("prompt").asText("");
      long maxTokens = body.path("max_tokens").asLong(EXPECTED_COMPLETION);
      if (user.isEmpty() || prompt.isBlank() || maxTokens < 1) {
        send(ex, 400, error("give a known user, a prompt and max_tokens >= 1"));
        return;
      }
      long promptTokens = StandInModel.tokens(prompt);
      long estimate = promptTokens + Math.min(maxTokens, EXPECTED_COMPLETION);
      Budgets.Reservation r = budgets.reserve(user.get(), estimate);
      if (!r.admitted()) {
        Decision d = r.refusal();
        ObjectNode n = error("the " + r.refusedBy() + " budget cannot hold an estimate of "
            + estimate + " tokens");
        n.put("budget", r.refusedBy());
        n.put("remaining", d.remaining());
        n.put("retryAfterSeconds", d.retryAfter().toSeconds()
            + (d.retryAfter().toNanosPart() > 0 ? 1 : 0));
        send(ex, 429, n);
        return;
      }
      stream(ex, r, promptTokens, StandInModel.answer(prompt, maxTokens));
    }
  }

  /**
   * Streams the answer a token at a time, then settles what was really produced: all of it, or
   * what was streamed before the client went away.
   */
  private void stream(HttpExchange ex, Budgets.Reservation r, long promptTokens,
      List<String> answer) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(200, 0); // chunked
    long streamed = 0;
    OutputStream out = ex.getResponseBody();
    try {
      for (String token : answer) {
        out.write((token + " ").getBytes(StandardCharsets.UTF_8));
        out.flush();
        streamed++;
      }
    } catch (IOException clientGone) {
      budgets.settle(r, promptTokens + streamed);
      throw clientGone;
    }
    long actual = promptTokens + streamed;
    Budgets.Settled s = budgets.settle(r, actual);
    out.write(("\n[usage] reserved=" + r.estimate() + " prompt=" + promptTokens + " completion="
        + streamed + " actual=" + actual + " daily_remaining=" + s.day().decision().remaining()
        + " monthly_remaining=" + s.month().decision().remaining() + "\n")
        .getBytes(StandardCharsets.UTF_8));
  }

  private void usage(HttpExchange ex) throws IOException {
    try (ex) {
      String id = ex.getRequestURI().getPath().substring("/v1/usage/".length());
      Optional<Accounts.User> user = accounts.user(id);
      if (user.isEmpty()) {
        send(ex, 404, error("unknown user " + id));
        return;
      }
      Accounts.User u = user.get();
      Accounts.Tenant t = accounts.tenantOf(u);
      ObjectNode n = JSON.createObjectNode();
      n.put("user", u.id());
      n.put("zone", u.zone().getId());
      budget(n.putObject("daily"), Accounts.DAILY_TOKENS, budgets.day(u));
      ObjectNode month = n.putObject("monthly");
      month.put("tenant", t.id());
      month.put("period", t.month().text());
      budget(month, t.monthlyTokens(), budgets.month(u));
      send(ex, 200, n);
    }
  }

  private static void budget(ObjectNode n, long limit, Decision d) {
    n.put("limit", limit);
    n.put("remaining", d.remaining());
    n.put("resetSeconds", d.resetAfter().toSeconds() + (d.resetAfter().toNanosPart() > 0 ? 1 : 0));
  }

  private static ObjectNode error(String message) {
    return JSON.createObjectNode().put("error", message);
  }

  private static void send(HttpExchange ex, int status, ObjectNode body) throws IOException {
    byte[] bytes = (JSON.writeValueAsString(body) + "\n").getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }
}
