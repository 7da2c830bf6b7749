package dev.sluice.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc.RateLimitServiceBlockingStub;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Several descriptors, all or nothing (the default {@code descriptor-counting}), across a fleet:
 * two real {@code sluice serve} processes on one real Redis, asked concurrently over {@code
 * /v1/check}, envoy's {@code /json} and gRPC, every request carrying a narrow descriptor (10 per
 * day) and a wide one (1000 per day). One atomic script per request: the fleet admits exactly the
 * narrow limit, and the wide limit is charged exactly the admitted requests, never the refused
 * ones; nothing is answered by the failure policy.
 */
class AllOrNothingFleetIT extends StandaloneFleet {

  static final int NARROW = 10;
  static final int WIDE = 1000;
  /** Fixed windows of a day: nothing refills during a run (see {@link #awayFromMidnight}). */
  static final String RULES = """
      domain: fleet
      descriptors:
        - key: user
          rate_limit: {unit: day, requests_per_unit: 10, algorithm: FIXED_WINDOW}
        - key: plan
          rate_limit: {unit: day, requests_per_unit: 1000, algorithm: FIXED_WINDOW}
      """;
  static final int THREADS = 16;
  static final int REQUESTS = 120;
  static final ObjectMapper JSON = new ObjectMapper();

  final Load http = new Load(1);

  @BeforeAll
  static void start() throws Exception {
    startFleet(2, RULES, Map.of("failure-policy", "fail-closed",
        "redis-timeout", ConsistentFleetIT.REDIS_TIMEOUT));
  }

  /** The protocol of request {@code j}. */
  private enum Protocol { CHECK, JSON, GRPC }

  @Test
  void everyProtocolTogetherAdmitsExactlyTheNarrowLimitAndChargesTheWideOneExactly()
      throws Exception {
    awayFromMidnight();
    long degradedBefore = ConsistentFleetIT.degraded(fleet);
    String user = "u-" + System.nanoTime();
    String plan = "p-" + System.nanoTime();
    List<RateLimitServiceBlockingStub> stubs = new ArrayList<>();
    for (Fleet.Instance i : fleet.instances()) {
      stubs.add(GrpcClients.newClient("http://127.0.0.1:" + i.grpcPort + "/",
          RateLimitServiceBlockingStub.class));
    }
    int[] admitted = new int[Protocol.values().length];
    int[] refused = new int[Protocol.values().length];
    List<String> unexpected = new ArrayList<>();
    AtomicInteger next = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        workers.add(pool.submit(() -> {
          go.await();
          for (int j = next.getAndIncrement(); j < REQUESTS; j = next.getAndIncrement()) {
            Protocol p = Protocol.values()[j % 3];
            int instance = (j / 3) % fleet.size();
            // the narrow descriptor first in some requests, last in others
            boolean narrowFirst = j % 2 == 0;
            Boolean ok = switch (p) {
              case CHECK -> check(fleet.get(instance), user, plan, narrowFirst);
              case JSON -> json(fleet.get(instance), user, plan, narrowFirst);
              case GRPC -> grpc(stubs.get(instance), user, plan, narrowFirst);
            };
            synchronized (admitted) {
              if (ok == null) {
                unexpected.add(p + " request " + j);
              } else if (ok) {
                admitted[p.ordinal()]++;
              } else {
                refused[p.ordinal()]++;
              }
            }
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> w : workers) {
        w.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(unexpected).as("answers other than 200 or 429").isEmpty();
    int total = admitted[0] + admitted[1] + admitted[2];
    assertThat(total).as("admitted of %d (by protocol %s, refused %s)", REQUESTS,
        List.of(admitted[0], admitted[1], admitted[2]),
        List.of(refused[0], refused[1], refused[2])).isEqualTo(NARROW);
    assertThat(remaining(fleet.get(0), "user", user)).isZero();
    assertThat(remaining(fleet.get(1), "plan", plan)).as("the wide limit's remaining")
        .isEqualTo(WIDE - NARROW);
    assertThat(ConsistentFleetIT.degraded(fleet) - degradedBefore)
        .as("decisions not made by Redis").isZero();
  }

  private static String descriptors(String user, String plan, boolean narrowFirst) {
    String u = "{\"entries\":[{\"key\":\"user\",\"value\":\"" + user + "\"}]}";
    String w = "{\"entries\":[{\"key\":\"plan\",\"value\":\"" + plan + "\"}]}";
    return "[" + (narrowFirst ? u + "," + w : w + "," + u) + "]";
  }

  /** {@code /v1/check}: admitted, refused, or null for any other answer. */
  private Boolean check(Fleet.Instance i, String user, String plan, boolean narrowFirst)
      throws Exception {
    HttpResponse<String> r = http.post(i, "/v1/check", "{\"domain\":\"fleet\",\"descriptors\":"
        + descriptors(user, plan, narrowFirst) + "}");
    return outcome(r.statusCode());
  }

  /** envoy's {@code /json}. */
  private Boolean json(Fleet.Instance i, String user, String plan, boolean narrowFirst)
      throws Exception {
    HttpResponse<String> r = http.post(i, "/json", "{\"domain\":\"fleet\",\"descriptors\":"
        + descriptors(user, plan, narrowFirst) + "}");
    return outcome(r.statusCode());
  }

  private static Boolean grpc(RateLimitServiceBlockingStub stub, String user, String plan,
      boolean narrowFirst) {
    RateLimitDescriptor u = descriptor("user", user);
    RateLimitDescriptor w = descriptor("plan", plan);
    RateLimitResponse r = stub.shouldRateLimit(RateLimitRequest.newBuilder().setDomain("fleet")
        .addDescriptors(narrowFirst ? u : w).addDescriptors(narrowFirst ? w : u).build());
    return switch (r.getOverallCode()) {
      case OK -> true;
      case OVER_LIMIT -> false;
      default -> null;
    };
  }

  private static RateLimitDescriptor descriptor(String key, String value) {
    return RateLimitDescriptor.newBuilder().addEntries(
        RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value)).build();
  }

  private static Boolean outcome(int status) {
    return status == 200 ? Boolean.TRUE : status == 429 ? Boolean.FALSE : null;
  }

  /** What {@code key=value} has left, asked with 0 hits (nothing counted). */
  private long remaining(Fleet.Instance i, String key, String value) throws Exception {
    HttpResponse<String> r = http.post(i, "/v1/check", "{\"domain\":\"fleet\",\"hits\":0,"
        + "\"descriptors\":[{\"entries\":[{\"key\":\"" + key + "\",\"value\":\"" + value
        + "\"}]}]}");
    JsonNode status = JSON.readTree(r.body()).path("statuses").get(0);
    return status.path("remaining").asLong();
  }

  /** Day windows end at midnight UTC: a run starts at least two minutes before. */
  private static void awayFromMidnight() throws InterruptedException {
    Instant now = Instant.now();
    long left = ChronoUnit.MILLIS.between(now, now.truncatedTo(ChronoUnit.DAYS)
        .plus(1, ChronoUnit.DAYS));
    if (left < 120_000) {
      Thread.sleep(left + 1_000);
    }
  }
}
