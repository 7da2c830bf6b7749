package dev.sluice.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spring.TestApp;
import dev.sluice.webfluxapp.WebFluxTestApp;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;

/**
 * The WebFlux filter answers as the servlet filter does: an MVC application and a WebFlux one
 * with the same properties and the same requests give the same statuses, rate limit headers,
 * content types and bodies. (In the servlet tests' JVM: both stacks are on its class path.)
 */
class SameAnswersAsServletTest {

  private static final String[] PROPERTIES = {
      "sluice.limits=2/minute",
      "sluice.key=header:X-User",
      "sluice.on-missing-key=reject",
      "sluice.headers=both",
  };

  /** What a response says, with the seconds that depend on when it was sent blurred. */
  private static Map<String, String> answer(HttpResponse<String> r) {
    Map<String, String> a = new TreeMap<>();
    a.put("status", Integer.toString(r.statusCode()));
    a.put("body", r.statusCode() == 200 ? r.body() : r.body().replaceAll("\\d+ second", "N second")
        .replaceAll("\"retryAfter\":\\d+", "\"retryAfter\":N"));
    r.headers().map().forEach((name, values) -> {
      String n = name.toLowerCase(Locale.ROOT);
      if (n.startsWith("x-ratelimit") || n.startsWith("ratelimit") || n.equals("retry-after")
          || n.equals("content-type") || n.equals("www-authenticate")) {
        boolean timed = n.equals("retry-after") || n.equals("x-ratelimit-reset")
            || n.equals("ratelimit");
        String v = String.join(",", values);
        a.put(n, timed ? v.replaceAll("\\d+$", "N") : v);
      }
    });
    return a;
  }

  private static List<Map<String, String>> conversation(RunningApp app) throws Exception {
    List<Map<String, String>> answers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      answers.add(answer(app.get("/hello", "X-User", "ann")));
    }
    answers.add(answer(app.get("/expensive", "X-User", "bob")));
    answers.add(answer(app.get("/expensive", "X-User", "cid")));
    answers.add(answer(app.get("/hello")));   // no X-User: 401 under on-missing-key=reject
    return answers;
  }

  @Test
  void theSameRequestsGetTheSameAnswers() throws Exception {
    List<Map<String, String>> servlet;
    try (RunningApp mvc = RunningApp.start(TestApp.class, WebApplicationType.SERVLET,
        PROPERTIES)) {
      servlet = conversation(mvc);
    }
    List<Map<String, String>> reactive;
    try (RunningApp flux = RunningApp.start(WebFluxTestApp.class, WebApplicationType.REACTIVE,
        PROPERTIES)) {
      reactive = conversation(flux);
    }
    assertThat(servlet).extracting(a -> a.get("status"))
        .containsExactly("200", "200", "429", "200", "429", "401");
    // One difference, on handlers: RateLimit-Policy lists every limit that applied. The WebFlux
    // filter decides the plain and the handler's limits in one pass, as the servlet filter does
    // for an annotated servlet, and lists both; Spring MVC's interceptor decides the handler's
    // after the filter and its headers replace the filter's, so it lists the handler's only.
    for (int i : new int[] {3, 4}) {
      assertThat(servlet.get(i).remove("ratelimit-policy")).isEqualTo("\"1/minute\";q=1;w=60");
      assertThat(reactive.get(i).remove("ratelimit-policy"))
          .isEqualTo("\"2/minute\";q=2;w=60, \"1/minute\";q=1;w=60");
    }
    assertThat(reactive).containsExactlyElementsOf(servlet);
  }
}
