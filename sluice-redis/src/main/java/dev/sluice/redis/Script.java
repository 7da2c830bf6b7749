package dev.sluice.redis;

import dev.sluice.Algorithm;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Lua script for one combination of algorithms and one driver: the shared arithmetic ({@code
 * common.lua}), one file per algorithm used, and the driver: {@code decide.lua}, which applies a
 * key's limits all-or-nothing to a batch of requests, or {@code acquire_all.lua}, which takes
 * several keys' parts all-or-nothing. So a limiter with one algorithm runs a script holding only
 * that algorithm.
 */
final class Script {

  private static final Map<Set<Algorithm>, Script> CACHE = new ConcurrentHashMap<>();
  private static final Map<Set<Algorithm>, Script> ALL_OR_NOTHING = new ConcurrentHashMap<>();
  private static final Map<Set<Algorithm>, Script> INHERIT = new ConcurrentHashMap<>();

  final String text;
  /** SHA-1 of the text, as EVALSHA wants it. */
  final String sha;

  private Script(String text) {
    this(text, sha1(text));
  }

  private Script(String text, String sha) {
    this.text = text;
    this.sha = sha;
  }

  /**
   * Every script a backend can run: per non-empty combination of algorithms (31), the decision
   * script and the all-or-nothing one (62 in all), so that they can all be loaded into Redis
   * before any limiter exists.
   */
  static List<Script> all() {
    Algorithm[] algorithms = Algorithm.values();
    List<Script> out = new ArrayList<>();
    for (int mask = 1; mask < 1 << algorithms.length; mask++) {
      Set<Algorithm> set = EnumSet.noneOf(Algorithm.class);
      for (int i = 0; i < algorithms.length; i++) {
        if ((mask & 1 << i) != 0) {
          set.add(algorithms[i]);
        }
      }
      out.add(forAlgorithms(set));
      out.add(allOrNothing(set));
    }
    return out;
  }

  /**
   * A script that Redis never has cached under its SHA, so that calling it takes the NOSCRIPT →
   * EVAL path of a restarted or flushed server (the warm-up exercises that path). Its text, the
   * one Redis then caches, is the same for every call: {@code return {}}.
   */
  static Script uncached() {
    byte[] random = new byte[20];
    java.util.concurrent.ThreadLocalRandom.current().nextBytes(random);
    return new Script("return {}", HexFormat.of().formatHex(random));
  }

  /** The script evaluating limits of these algorithms. */
  static Script forAlgorithms(Set<Algorithm> algorithms) {
    return CACHE.computeIfAbsent(EnumSet.copyOf(algorithms), a -> assemble(a, "decide.lua"));
  }

  /** The script taking parts all-or-nothing whose limits use these algorithms. */
  static Script allOrNothing(Set<Algorithm> algorithms) {
    return ALL_OR_NOTHING.computeIfAbsent(EnumSet.copyOf(algorithms),
        a -> assemble(a, "acquire_all.lua"));
  }

  /**
   * The script moving keys' states from a predecessor's limits to changed limits of these
   * algorithms ({@code inherit.lua}). Not among {@link #all()}: it runs only while a predecessor's
   * states can matter, and a first call loads it.
   */
  static Script inherit(Set<Algorithm> algorithms) {
    return INHERIT.computeIfAbsent(EnumSet.copyOf(algorithms), a -> assemble(a, "inherit.lua"));
  }

  /**
   * The wire code of {@code algorithm}: the index of its {@code ALG[code]} entry in its Lua file.
   * Fixed per algorithm, independent of the enum's order; a new algorithm takes the next free
   * code (a script cached by a running Redis must never see a code change meaning).
   */
  static int code(Algorithm algorithm) {
    return switch (algorithm) {
      case TOKEN_BUCKET -> 1;
      case GCRA -> 2;
      case FIXED_WINDOW -> 3;
      case SLIDING_WINDOW_LOG -> 4;
      case SLIDING_WINDOW_COUNTER -> 5;
    };
  }

  private static Script assemble(Set<Algorithm> algorithms, String driver) {
    StringBuilder sb = new StringBuilder(resource("common.lua"));
    for (Algorithm a : algorithms) {
      sb.append('\n').append(resource(fileOf(a)));
    }
    sb.append('\n').append(resource(driver));
    return new Script(sb.toString());
  }

  private static String fileOf(Algorithm a) {
    return switch (a) {
      case TOKEN_BUCKET -> "token_bucket.lua";
      case GCRA -> "gcra.lua";
      case FIXED_WINDOW -> "fixed_window.lua";
      case SLIDING_WINDOW_LOG -> "sliding_window_log.lua";
      case SLIDING_WINDOW_COUNTER -> "sliding_window_counter.lua";
    };
  }

  private static String resource(String name) {
    try (InputStream in = Script.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing script resource dev/sluice/redis/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1(String text) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-1");
      return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required by every JVM", e);
    }
  }
}
