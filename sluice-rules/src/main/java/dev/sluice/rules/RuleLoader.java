package dev.sluice.rules;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Loads and validates rules from YAML files in envoy ratelimit's format (with Sluice's optional
 * extensions). A load either returns a complete {@link RuleSet} or throws an {@link
 * InvalidRulesException} holding every problem found in every file, so a bad edit never replaces
 * good rules with half-loaded ones.
 *
 * <p>As in envoy, two files may not declare the same domain unless domain merging is on ({@link
 * #mergeDomains(boolean)}, or {@code MERGE_DOMAIN_CONFIG=true} through {@link
 * #fromEnvironment()}); merged files must not repeat a top-level descriptor. Immutable.
 *
 * <pre>{@code
 * RuleSet rules = RuleLoader.fromEnvironment().load(Path.of("rules"));
 * }</pre>
 */
public final class RuleLoader {

  /** The environment variable envoy ratelimit reads to merge files of one domain. */
  public static final String MERGE_DOMAIN_CONFIG = "MERGE_DOMAIN_CONFIG";

  private static final RuleLoader DEFAULT = new RuleLoader(false);

  private final boolean mergeDomains;

  private RuleLoader(boolean mergeDomains) {
    this.mergeDomains = mergeDomains;
  }

  /** A loader that rejects a domain declared in two files. */
  public static RuleLoader create() {
    return DEFAULT;
  }

  /** A loader that merges domains when {@code MERGE_DOMAIN_CONFIG} is true in this process. */
  public static RuleLoader fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /**
   * A loader that merges domains when {@code env} has {@code MERGE_DOMAIN_CONFIG} set to {@code
   * true}, {@code t} or {@code 1} (any case), as envoy's boolean settings accept.
   */
  public static RuleLoader fromEnvironment(Map<String, String> env) {
    String v = env.get(MERGE_DOMAIN_CONFIG);
    String t = v == null ? "" : v.trim().toLowerCase(Locale.ROOT);
    return new RuleLoader(t.equals("true") || t.equals("t") || t.equals("1"));
  }

  /** This loader with domain merging on or off. */
  public RuleLoader mergeDomains(boolean merge) {
    return merge == mergeDomains ? this : new RuleLoader(merge);
  }

  /** Whether files of one domain are merged (else a repeated domain is an error). */
  public boolean mergesDomains() {
    return mergeDomains;
  }

  /**
   * Loads one YAML file, or every {@code .yaml}/{@code .yml} file under a directory (recursively,
   * skipping names that start with a dot, in path order).
   *
   * @throws InvalidRulesException listing every problem, including a missing path or unreadable
   *     file
   */
  public RuleSet load(Path fileOrDirectory) {
    Objects.requireNonNull(fileOrDirectory, "path must not be null");
    List<RuleError> errors = new ArrayList<>();
    List<Path> files;
    try {
      files = ruleFiles(fileOrDirectory);
    } catch (IOException e) {
      throw new InvalidRulesException(List.of(new RuleError(fileOrDirectory.toString(), 0, 0, "",
          "cannot read: " + describe(e))));
    }
    Map<String, String> sources = new LinkedHashMap<>();
    for (Path file : files) {
      try {
        byte[] bytes = Files.readAllBytes(file);
        String text = StandardCharsets.UTF_8.newDecoder()
            .decode(ByteBuffer.wrap(bytes)).toString();
        sources.put(file.toString(), text);
      } catch (CharacterCodingException e) {
        errors.add(new RuleError(file.toString(), 0, 0, "", "cannot read: not UTF-8 text"));
      } catch (IOException e) {
        errors.add(new RuleError(file.toString(), 0, 0, "", "cannot read: " + describe(e)));
      }
    }
    return build(sources, errors);
  }

  /**
   * Loads rules from YAML text, one entry per file: name (used in error messages) to content, in
   * iteration order. The admin API's path to the same validation as files.
   *
   * @throws InvalidRulesException listing every problem
   */
  public RuleSet parse(Map<String, String> yamlByName) {
    Objects.requireNonNull(yamlByName, "yaml must not be null");
    return build(yamlByName, new ArrayList<>());
  }

  /**
   * The rule files {@link #load(Path)} reads for {@code path}: the file itself, or the {@code
   * .yaml}/{@code .yml} files under a directory, skipping hidden ones, sorted by path.
   *
   * @throws IOException if the path does not exist or cannot be listed
   */
  public static List<Path> ruleFiles(Path path) throws IOException {
    if (!Files.exists(path)) {
      throw new NoSuchFileException(path.toString(), null,
          "no such file or directory");
    }
    if (!Files.isDirectory(path)) {
      return List.of(path);
    }
    try (Stream<Path> walk = Files.walk(path)) {
      return walk
          .filter(p -> !hidden(path.relativize(p)))
          .filter(Files::isRegularFile)
          .filter(p -> {
            String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
            return n.endsWith(".yaml") || n.endsWith(".yml");
          })
          .sorted(Comparator.comparing(p -> path.relativize(p).toString()))
          .collect(Collectors.toList());
    }
  }

  private static boolean hidden(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static String describe(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** Mutable state of one domain while files are assembled. */
  private static final class DomainParts {
    final String name;
    final String firstFile;
    final List<DescriptorRule> descriptors = new ArrayList<>();
    final Map<String, DescriptorRule> identities = new LinkedHashMap<>();
    final List<Route> routes = new ArrayList<>();
    final List<String> files = new ArrayList<>();

    DomainParts(String name, String firstFile) {
      this.name = name;
      this.firstFile = firstFile;
    }
  }

  private RuleSet build(Map<String, String> sources, List<RuleError> errors) {
    Map<String, DomainParts> domains = new LinkedHashMap<>();
    for (Map.Entry<String, String> source : sources.entrySet()) {
      String file = source.getKey();
      String text = source.getValue();
      if (text.startsWith("\uFEFF")) {
        text = text.substring(1);
      }
      FileParser.Parsed parsed = FileParser.parse(file, text, errors);
      if (parsed.domain() == null) {
        continue;
      }
      DomainParts parts = domains.get(parsed.domain());
      if (parts == null) {
        parts = new DomainParts(parsed.domain(), file);
        domains.put(parsed.domain(), parts);
      } else if (!mergeDomains) {
        errors.add(new RuleError(file, parsed.domainLine(), parsed.domainColumn(), "domain",
            "duplicate domain '" + parsed.domain() + "' in config file (first in "
                + parts.firstFile + "); to merge the files of one domain use --merge-domains or "
                + MERGE_DOMAIN_CONFIG + "=true"));
        continue;
      }
      for (DescriptorRule r : parsed.descriptors()) {
        String identity = r.key() + (r.value().isEmpty() ? "\u0000" : "\u0001" + r.value().get());
        DescriptorRule first = parts.identities.putIfAbsent(identity, r);
        if (first != null && !first.file().equals(file)) {
          String finalKey = r.key() + r.value().map(v -> "_" + v).orElse("");
          errors.add(new RuleError(file, r.line(), r.column(), parsed.domain() + " > " + r.label(),
              "duplicate descriptor composite key '" + parsed.domain() + "." + finalKey
                  + "' (also in " + first.file() + ":" + first.line() + ")"));
          continue;
        }
        parts.descriptors.add(r);
      }
      parts.routes.addAll(parsed.routes());
      parts.files.add(file);
    }
    if (!errors.isEmpty()) {
      throw new InvalidRulesException(errors);
    }
    List<Domain> built = new ArrayList<>();
    for (DomainParts p : domains.values()) {
      built.add(new Domain(p.name, p.descriptors, p.routes, p.files));
    }
    return new RuleSet(built);
  }
}
