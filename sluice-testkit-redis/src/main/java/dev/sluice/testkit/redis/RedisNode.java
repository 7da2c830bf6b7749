package dev.sluice.testkit.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.lettuce.core.sentinel.api.sync.RedisSentinelCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * One {@code redis-server} process (a data node or a sentinel) on 127.0.0.1, in its own temporary
 * directory, without persistence ({@code --save ''}, {@code --appendonly no}).
 *
 * <p>Commands go through Lettuce: {@link #commands()} (typed) and {@link #call(String...)} (any
 * command, generic reply) share one connection per node, opened on first use and reopened after a
 * restart.
 *
 * <p>{@link #kill()} ends the process like a crash (SIGKILL) and {@link #restart()} starts it again
 * on the same port and directory, for fault tests. {@link #close()} stops it by pid (SIGTERM, then
 * SIGKILL) and deletes its directory. Every process started here is also killed by a JVM shutdown
 * hook, so an aborted test run leaves none behind.
 */
public final class RedisNode implements AutoCloseable {

  /** How long a node may take to answer its first PING. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(15);

  private static final String HOST = "127.0.0.1";
  /** Command timeout of harness connections. */
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (Process p : LIVE) {
        p.destroyForcibly();
      }
    }, "sluice-redis-harness-reaper"));
  }

  private final String name;
  private final Path dir;
  private final int port;
  private final List<String> command;
  private @Nullable Process process;
  private @Nullable StatefulRedisConnection<String, String> connection;
  private @Nullable StatefulRedisSentinelConnection<String, String> sentinelConnection;
  private boolean closed;

  private RedisNode(String name, Path dir, int port, List<String> command) {
    this.name = name;
    this.dir = dir;
    this.port = port;
    this.command = command;
  }

  /**
   * Starts a data node with {@code extraArgs} (e.g. {@code --cluster-enabled yes}) on a free port,
   * and waits until it answers PING. {@code clusterBus} also reserves port + 10000.
   */
  static RedisNode startServer(String name, boolean clusterBus, List<String> extraArgs) {
    return startWithRetries(name, clusterBus, (dir, port) -> {
      List<String> cmd = new ArrayList<>(List.of(RedisBinary.path().toString(),
          "--port", Integer.toString(port), "--bind", HOST, "--dir", dir.toString(),
          "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "",
          "--protected-mode", "no"));
      cmd.addAll(extraArgs);
      return cmd;
    });
  }

  /** Starts a sentinel whose config file holds {@code configLines} (port and dir are added). */
  static RedisNode startSentinel(String name, List<String> configLines) {
    return startWithRetries(name, false, (dir, port) -> {
      List<String> conf = new ArrayList<>(List.of("port " + port, "bind " + HOST,
          "dir " + dir, "daemonize no", "logfile \"\"", "protected-mode no"));
      conf.addAll(configLines);
      Path file = dir.resolve("sentinel.conf");
      Files.write(file, conf, StandardCharsets.UTF_8);
      return List.of(RedisBinary.path().toString(), file.toString(), "--sentinel");
    });
  }

  private interface CommandLine {
    List<String> build(Path dir, int port) throws IOException;
  }

  private static RedisNode startWithRetries(String name, boolean clusterBus, CommandLine cl) {
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      Path dir = null;
      try {
        dir = Files.createTempDirectory("sluice-redis-" + name + "-");
        int port = freePort(clusterBus);
        RedisNode node = new RedisNode(name, dir, port, cl.build(dir, port));
        node.launch();
        return node;
      } catch (PortTakenException e) {
        last = e; // another process took the port between the probe and the bind: try another
        deleteTree(dir);
      } catch (IOException e) {
        deleteTree(dir);
        throw new UncheckedIOException("cannot start redis node " + name, e);
      } catch (RuntimeException e) {
        deleteTree(dir);
        throw e;
      }
    }
    throw new IllegalStateException("no free port for redis node " + name, last);
  }

  private static final class PortTakenException extends IllegalStateException {
    PortTakenException(String message) {
      super(message);
    }
  }

  /** A port free now on 127.0.0.1 (and port + 10000 too if {@code clusterBus}). */
  private static int freePort(boolean clusterBus) {
    for (int i = 0; i < 200; i++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 45_000);
      if (canBind(port) && (!clusterBus || canBind(port + 10_000))) {
        return port;
      }
    }
    throw new IllegalStateException("no free port found on " + HOST);
  }

  private static boolean canBind(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
      s.setReuseAddress(true);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private synchronized void launch() throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()));
    Process p = pb.start();
    LIVE.add(p);
    process = p;
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    for (;;) {
      if (!p.isAlive()) {
        LIVE.remove(p);
        String log = logTail();
        if (log.contains("Address already in use")) {
          throw new PortTakenException(name + ": port " + port + " taken");
        }
        throw new IllegalStateException("redis node " + name + " exited with " + p.exitValue()
            + " at start; log:\n" + log);
      }
      if (answersPing()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        destroy(p);
        throw new IllegalStateException("redis node " + name + " did not answer PING within "
            + START_TIMEOUT + "; log:\n" + logTail());
      }
      pause(20);
    }
  }

  private boolean answersPing() {
    try (StatefulRedisConnection<String, String> c = Lettuce.CLIENT.connect(uri(1_000))) {
      return "PONG".equals(c.sync().ping());
    } catch (RuntimeException e) {
      return false; // not listening yet, or still loading
    }
  }

  private RedisURI uri(long timeoutMillis) {
    return RedisURI.builder().withHost(HOST).withPort(port)
        .withTimeout(Duration.ofMillis(timeoutMillis)).build();
  }

  /** One Lettuce client (and its event loops) for every node of this JVM, made on first use. */
  private static final class Lettuce {
    static final RedisClient CLIENT = create();

    private static RedisClient create() {
      RedisClient client = RedisClient.create();
      client.setOptions(ClientOptions.builder()
          // RESP2 replies keep their plain shape: CONFIG GET is a list, not a map.
          .protocolVersion(ProtocolVersion.RESP2)
          // A killed node fails calls at once; the next call after a restart reconnects.
          .autoReconnect(false)
          .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).build())
          .build());
      return client;
    }
  }

  /**
   * Collects a reply of any shape, as Lettuce parses it, into plain values: {@code String},
   * {@code Long}, {@code Double}, {@code Boolean}, nested {@code List}s and {@code null}.
   */
  private static final class PlainReply extends CommandOutput<String, String, @Nullable Object> {
    /** Arrays still being filled, innermost first, with how many elements each still expects. */
    private final Deque<List<@Nullable Object>> open = new ArrayDeque<>();
    private final Deque<int[]> missing = new ArrayDeque<>();

    PlainReply() {
      super(StringCodec.UTF8, null);
    }

    @Override
    public void set(@Nullable ByteBuffer bytes) {
      add(bytes == null ? null : codec.decodeValue(bytes));
    }

    @Override
    public void setSingle(@Nullable ByteBuffer bytes) {
      set(bytes);
    }

    @Override
    public void set(long integer) {
      add(integer);
    }

    @Override
    public void set(double number) {
      add(number);
    }

    @Override
    public void set(boolean value) {
      add(value);
    }

    @Override
    public void multi(int count) {
      List<@Nullable Object> list = new ArrayList<>(Math.max(count, 0));
      add(list);
      if (count > 0) {
        open.push(list);
        missing.push(new int[] {count});
      }
    }

    private void add(@Nullable Object value) {
      List<@Nullable Object> parent = open.peek();
      if (parent == null) {
        output = value;
        return;
      }
      parent.add(value);
      int[] left = missing.element();
      if (--left[0] == 0) {
        open.pop();
        missing.pop();
      }
    }
  }

  /** Any command name, sent as given: {@link #call(String...)} is not limited to Lettuce's enum. */
  private record Keyword(String word) implements ProtocolKeyword {
    @Override
    public byte[] getBytes() {
      return word.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
      return word;
    }
  }

  /** Node name, e.g. {@code cluster-2}. */
  public String name() {
    return name;
  }

  public String host() {
    return HOST;
  }

  public int port() {
    return port;
  }

  /** {@code host:port}. */
  public String address() {
    return HOST + ":" + port;
  }

  /** The node's working directory. */
  public Path dir() {
    return dir;
  }

  /** The file receiving the process's output. */
  public Path logFile() {
    return dir.resolve("redis.log");
  }

  /** The pid of the running process. */
  public synchronized long pid() {
    Process p = process;
    if (p == null) {
      throw new IllegalStateException(name + " is not running");
    }
    return p.pid();
  }

  /** Whether the process is running. */
  public synchronized boolean isRunning() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /**
   * Typed commands on this node's shared connection (opened on first use, reopened after a
   * restart). A node that is down fails each call at once.
   */
  public synchronized RedisCommands<String, String> commands() {
    StatefulRedisConnection<String, String> c = connection;
    if (c == null || !c.isOpen()) {
      if (c != null) {
        c.close();
      }
      c = Lettuce.CLIENT.connect(uri(COMMAND_TIMEOUT.toMillis()));
      connection = c;
    }
    return c.sync();
  }

  /** Typed Sentinel commands, for a node started as a sentinel. */
  public synchronized RedisSentinelCommands<String, String> sentinelCommands() {
    StatefulRedisSentinelConnection<String, String> c = sentinelConnection;
    if (c == null || !c.isOpen()) {
      if (c != null) {
        c.close();
      }
      c = Lettuce.CLIENT.connectSentinel(uri(COMMAND_TIMEOUT.toMillis()));
      sentinelConnection = c;
    }
    return c.sync();
  }

  /**
   * Runs any command (e.g. {@code call("CONFIG", "GET", "save")}) and returns its reply as plain
   * values: {@code String} for simple and bulk strings, {@code Long}, {@code List} or {@code null}.
   * An error reply throws Lettuce's {@link io.lettuce.core.RedisCommandExecutionException}.
   */
  public @Nullable Object call(String... command) {
    return call(List.of(command));
  }

  /**
   * Script calls ({@code EVAL} and {@code EVALSHA}) this server counted since it started or since
   * {@code CONFIG RESETSTAT}, from {@code INFO commandstats}.
   */
  public long scriptCalls() {
    String stats = String.valueOf(call("INFO", "commandstats"));
    long calls = 0;
    for (String line : stats.split("\r?\n")) {
      if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
        String v = line.substring(line.indexOf("calls=") + 6);
        calls += Long.parseLong(v.substring(0, v.indexOf(',')));
      }
    }
    return calls;
  }

  /** {@link #call(String...)} with the command as a list. */
  public @Nullable Object call(List<String> command) {
    if (command.isEmpty()) {
      throw new IllegalArgumentException("empty command");
    }
    CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8);
    for (String arg : command.subList(1, command.size())) {
      args.add(arg);
    }
    return commands().dispatch(new Keyword(command.get(0).toUpperCase(Locale.ROOT)),
        new PlainReply(), args);
  }

  private synchronized void disconnect() {
    if (connection != null) {
      connection.close();
      connection = null;
    }
    if (sentinelConnection != null) {
      sentinelConnection.close();
      sentinelConnection = null;
    }
  }

  /** Ends the process at once, as a crash would (SIGKILL); {@link #restart()} brings it back. */
  public synchronized void kill() {
    disconnect();
    Process p = process;
    if (p != null) {
      p.destroyForcibly();
      waitFor(p, Duration.ofSeconds(10));
      LIVE.remove(p);
      process = null;
    }
  }

  /** Stops the process gracefully (SIGTERM, then SIGKILL after 5 s). */
  public synchronized void stop() {
    disconnect();
    Process p = process;
    if (p != null) {
      destroy(p);
      process = null;
    }
  }

  /** Starts the process again on the same port and directory, after {@link #kill()} or stop. */
  public synchronized void restart() {
    if (closed) {
      throw new IllegalStateException(name + " is closed");
    }
    if (isRunning()) {
      throw new IllegalStateException(name + " is already running");
    }
    IllegalStateException last = null;
    // The killed process's socket may linger for a moment: retry the bind briefly.
    for (int attempt = 0; attempt < 50; attempt++) {
      try {
        launch();
        return;
      } catch (PortTakenException e) {
        last = e;
        pause(100);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot restart " + name, e);
      }
    }
    throw new IllegalStateException("cannot restart " + name + ": port " + port + " stays taken",
        last);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stop();
    deleteTree(dir);
  }

  /** The last lines of the node's output, for error messages. */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public String toString() {
    return "RedisNode[" + name + " " + address() + (isRunning() ? "" : " stopped") + "]";
  }

  private static void destroy(Process p) {
    p.destroy();
    if (!waitFor(p, Duration.ofSeconds(5))) {
      p.destroyForcibly();
      waitFor(p, Duration.ofSeconds(10));
    }
    LIVE.remove(p);
  }

  private static boolean waitFor(Process p, Duration timeout) {
    try {
      return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for redis", e);
    }
  }

  /** Polls {@code condition} every 20 ms until true, else fails with {@code what} and details. */
  static void await(Duration timeout, String what, BooleanSupplier condition,
      java.util.function.Supplier<String> details) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (;;) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        // a node still coming up: keep polling
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + timeout + " waiting for " + what
            + "\n" + details.get());
      }
      pause(20);
    }
  }

  static void deleteTree(@Nullable Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      List<Path> paths = new ArrayList<>(walk.toList());
      paths.sort(Comparator.reverseOrder());
      for (Path p : paths) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      // a temp dir left behind is harmless; the process is what matters
    }
  }

  /** Pids of every process this JVM started and has not yet stopped (for leak checks). */
  public static Set<Long> livePids() {
    Set<Long> pids = ConcurrentHashMap.newKeySet();
    for (Process p : LIVE) {
      if (p.isAlive()) {
        pids.add(p.pid());
      }
    }
    return Collections.unmodifiableSet(pids);
  }
}
