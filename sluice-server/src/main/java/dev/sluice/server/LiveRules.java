package dev.sluice.server;

import dev.sluice.rules.Domain;
import dev.sluice.rules.InvalidRulesException;
import dev.sluice.rules.RuleError;
import dev.sluice.rules.RuleLoader;
import dev.sluice.rules.RuleSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules the service answers from: loaded from a directory, checked for changes every {@code
 * reload-interval} (polling, see docs/server.md), or given by the xDS config source ({@link
 * XdsConfigSource}, through {@link #apply}); validated as a whole and swapped in atomically
 * either way. A failed load keeps the last good set, logs one line, counts it and is reported by
 * {@link #status()}. Thread-safe: {@link #current()} is one volatile read.
 */
final class LiveRules implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LiveRules.class);
  private static final Pattern SAFE_DOMAIN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  /** What a reload did; {@code errors} is empty on success. */
  record Outcome(boolean ok, List<RuleError> errors) {}

  /**
   * The state shown by /readyz and GET /v1/rules; {@code version} is the xDS version applied
   * (null for rules from files).
   */
  record Status(boolean loaded, int domains, @Nullable Instant lastLoad, boolean lastOk,
      List<RuleError> lastErrors, long reloadsOk, long reloadsFailed,
      @Nullable String version) {}

  private final Path dir;
  private final RuleLoader loader;
  private final Metrics metrics;
  private volatile RuleSet current = RuleSet.empty();
  private volatile boolean loaded;
  private volatile @Nullable Instant lastLoad;
  private volatile List<RuleError> lastErrors = List.of();
  private volatile boolean lastOk = true;
  private long reloadsOk;
  private long reloadsFailed;
  private @Nullable String fingerprint;
  /** The YAML texts of the rules last applied from xDS, by name; null for rules from files. */
  private volatile @Nullable Map<String, String> given;
  private volatile @Nullable String version;
  private final Deque<Reload> history = new ArrayDeque<>();

  /** One load, as the dashboard lists it: when, whether it was applied, and why not. */
  record Reload(Instant at, boolean ok, int domains, List<RuleError> errors) {}

  /** Loads kept in {@link #history()}. */
  static final int HISTORY = 20;

  private final boolean xds;
  /** What feeds the rules once started: the directory's poller or the xDS stream. */
  private volatile @Nullable AutoCloseable feed;

  private LiveRules(Path dir, boolean mergeDomains, Metrics metrics, boolean xds) {
    this.dir = dir;
    this.loader = RuleLoader.create().mergeDomains(mergeDomains);
    this.metrics = metrics;
    this.xds = xds;
  }

  /**
   * The rules {@code config} names: from the {@code rules} directory (or file), or with {@code
   * config-source: xds} from the management server ({@link XdsConfigSource}, through {@link
   * #apply}: none until the first good configuration; no directory, never written). Not started.
   */
  static LiveRules of(ServerConfig config, Metrics metrics) {
    boolean fromXds = config.configSource() == ServerConfig.ConfigSource.XDS;
    return new LiveRules(fromXds ? Path.of("") : config.rules(), config.mergeDomains(), metrics,
        fromXds);
  }

  /** Whether the rules come from xDS (the admin API's writes are then refused). */
  boolean fromXds() {
    return xds;
  }

  /**
   * Starts following the source: loads the directory now, then polls it every {@code
   * reload-interval}; or connects to the xDS management server in the background.
   */
  void start(ServerConfig config) {
    if (xds) {
      XdsConfigSource source = XdsConfigSource.start(config, this);
      metrics.bindXds(source::connected);
      feed = source;
    } else {
      reload();
      feed = FilePoller.every(config.reloadInterval(), "sluice-rules-poller", "rules",
          this::reloadIfChanged);
    }
  }

  /**
   * Rules that never change, given rather than loaded (the service's warm-up): loaded at once, no
   * directory behind them, never polled.
   */
  static LiveRules fixed(RuleSet rules, Metrics metrics) {
    LiveRules r = new LiveRules(Path.of(""), false, metrics, false);
    r.current = rules;
    r.loaded = true;
    return r;
  }

  /** The last good rule set (empty until the first successful load). */
  RuleSet current() {
    return current;
  }

  boolean loaded() {
    return loaded;
  }

  Path directory() {
    return dir;
  }

  /** The last {@value #HISTORY} loads, newest first. */
  synchronized List<Reload> history() {
    return List.copyOf(history);
  }

  private void remember(Reload r) {
    history.addFirst(r);
    if (history.size() > HISTORY) {
      history.removeLast();
    }
  }

  synchronized Status status() {
    return new Status(loaded, current.domains().size(), lastLoad, lastOk, lastErrors, reloadsOk,
        reloadsFailed, version);
  }

  private void reloadIfChanged() {
    String now = fingerprint();
    boolean changed;
    synchronized (this) {
      changed = !now.equals(fingerprint);
    }
    if (changed) {
      reload();
    }
  }

  /** Loads the whole directory; swaps it in if valid, else keeps the last good set. */
  synchronized Outcome reload() {
    String print = fingerprint();
    try {
      return swap(dir.toString(), () -> loader.load(dir), List::copyOf);
    } finally {
      fingerprint = print;
    }
  }

  /**
   * Validates the rules of {@code yamlByName} (the xDS resources as rules files, one per
   * resource, {@link XdsRules}) as a directory's files are, merging domains as they are, and
   * swaps them in if valid, else keeps the last good set. {@code errors} turns the parser's
   * errors into what the resources' owner reads. Never touches the directory.
   */
  synchronized Outcome apply(String version, Map<String, String> yamlByName,
      UnaryOperator<List<RuleError>> errors) {
    Outcome o = swap("xDS version " + version, () -> loader.parse(yamlByName), errors);
    if (o.ok()) {
      given = Map.copyOf(yamlByName);
      this.version = version;
    }
    return o;
  }

  /**
   * The one swap: {@code load}'s rules replace the current set, or its errors (as {@code
   * errors} words them) are recorded and the last good set kept; counted and logged either way.
   */
  private Outcome swap(String from, Supplier<RuleSet> load,
      UnaryOperator<List<RuleError>> errors) {
    try {
      RuleSet next = load.get();
      current = next;
      loaded = true;
      lastOk = true;
      lastErrors = List.of();
      reloadsOk++;
      metrics.reload(true);
      remember(new Reload(Instant.now(), true, next.domains().size(), List.of()));
      log.info("rules loaded from {}: {} domain(s)", from, next.domains().size());
      return new Outcome(true, List.of());
    } catch (InvalidRulesException e) {
      lastOk = false;
      lastErrors = List.copyOf(errors.apply(e.errors()));
      reloadsFailed++;
      metrics.reload(false);
      remember(new Reload(Instant.now(), false, current.domains().size(),
          lastErrors.subList(0, Math.min(10, lastErrors.size()))));
      log.warn("rules reload from {} failed, {}: {} error(s), first: {}", from,
          loaded ? "keeping the last good set" : "no rules loaded yet (not ready)",
          lastErrors.size(), lastErrors.isEmpty() ? "?" : lastErrors.get(0));
      return new Outcome(false, lastErrors);
    } finally {
      lastLoad = Instant.now();
    }
  }

  /** Names, sizes and content hashes of the rule files; changes whenever a load would differ. */
  private String fingerprint() {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (Path p : RuleLoader.ruleFiles(dir)) {
        md.update(p.toString().getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        try {
          md.update(Files.readAllBytes(p));
        } catch (IOException e) {
          md.update(("unreadable " + e).getBytes(StandardCharsets.UTF_8));
        }
        md.update((byte) 0);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      return "missing " + e.getMessage();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The YAML text of the file(s) declaring {@code domain}, by file name (for rules from xDS, the
   * resources as rules files); empty if unknown.
   */
  Map<String, String> sources(String domain) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    Map<String, String> texts = given;
    for (Domain d : current.domains()) {
      if (d.name().equals(domain)) {
        for (String f : d.files()) {
          out.put(f, texts != null ? texts.get(f) : Files.readString(Path.of(f)));
        }
      }
    }
    return out;
  }

  /** Result of {@link #put}: the file written, or the errors that rejected the text. */
  record PutResult(int status, @Nullable Path file, List<RuleError> errors, String message) {}

  /**
   * Validates {@code yaml} as the rules of {@code domain} together with every other rule file,
   * exactly as a load would, then writes it atomically to the domain's file (or a new {@code
   * <domain>.yaml}) and reloads. The admin API records who asked ({@link AuditLog}).
   */
  synchronized PutResult put(String domain, String yaml) throws IOException {
    if (!SAFE_DOMAIN.matcher(domain).matches()) {
      return new PutResult(400, null, List.of(),
          "domain must match " + SAFE_DOMAIN.pattern() + " to be written as a file name");
    }
    Path target;
    List<String> files = current.domain(domain).map(Domain::files).orElse(List.of());
    if (files.size() > 1) {
      return new PutResult(409, null, List.of(), "domain " + domain
          + " is merged from several files " + files + "; edit them on disk");
    }
    target = files.isEmpty() ? dir.resolve(domain + ".yaml") : Path.of(files.get(0));
    if (!Files.isDirectory(dir)) {
      return new PutResult(409, null, List.of(), "rules path " + dir + " is not a directory");
    }
    // The text alone must declare exactly this domain.
    RuleSet alone;
    try {
      alone = loader.parse(Map.of(target.toString(), yaml));
    } catch (InvalidRulesException e) {
      return new PutResult(400, null, e.errors(), "invalid rules");
    }
    List<String> declared = new ArrayList<>();
    alone.domains().forEach(d -> declared.add(d.name()));
    if (!declared.equals(List.of(domain))) {
      return new PutResult(400, null, List.of(), "the rules declare domain " + declared
          + " but the path names " + domain);
    }
    // Then the whole set as it would be on disk, so cross-file checks run too.
    Map<String, String> all = new LinkedHashMap<>();
    for (Path p : RuleLoader.ruleFiles(dir)) {
      all.put(p.toString(), Files.readString(p));
    }
    all.put(target.toString(), yaml);
    try {
      loader.parse(all);
    } catch (InvalidRulesException e) {
      return new PutResult(400, null, e.errors(), "invalid rules");
    }
    Path tmp = Files.createTempFile(dir, ".put-", ".tmp");
    try {
      Files.writeString(tmp, yaml, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    Outcome o = reload();
    return o.ok() ? new PutResult(200, target, List.of(), "written and reloaded")
        : new PutResult(409, target, o.errors(), "written, but the reload failed");
  }

  @Override
  public void close() {
    AutoCloseable f = feed;
    if (f != null) {
      try {
        f.close();
      } catch (Exception e) {
        log.warn("stopping the rules' source failed: {}", e.toString());
      }
    }
  }
}
