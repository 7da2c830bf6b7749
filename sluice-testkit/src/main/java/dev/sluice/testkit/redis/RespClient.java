package dev.sluice.testkit.redis;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A minimal blocking RESP2 client for setting up and inspecting test servers (no pipelining, no
 * pooling). Replies map to {@code String} (simple and bulk strings), {@code Long}, {@code List}
 * and {@code null}; an error reply throws {@link RespException}. Not thread-safe.
 */
public final class RespClient implements AutoCloseable {

  /** An error reply from the server, e.g. {@code ERR unknown command}. */
  public static final class RespException extends RuntimeException {
    RespException(String message) {
      super(message);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RespClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = new BufferedOutputStream(socket.getOutputStream());
  }

  /** Connects to {@code host:port}, failing after {@code timeoutMillis} for connect and reads. */
  public static RespClient connect(String host, int port, int timeoutMillis) {
    Socket s = new Socket();
    try {
      s.connect(new InetSocketAddress(host, port), timeoutMillis);
      s.setSoTimeout(timeoutMillis);
      s.setTcpNoDelay(true);
      return new RespClient(s);
    } catch (IOException e) {
      try {
        s.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new UncheckedIOException("cannot connect to " + host + ":" + port, e);
    }
  }

  /** Sends one command and returns its reply. */
  public @Nullable Object call(String... command) {
    return call(List.of(command));
  }

  /** Sends one command and returns its reply. */
  public @Nullable Object call(List<String> command) {
    try {
      StringBuilder head = new StringBuilder().append('*').append(command.size()).append("\r\n");
      out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
      for (String arg : command) {
        byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
        out.write(('$' + Integer.toString(bytes.length) + "\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.write('\r');
        out.write('\n');
      }
      out.flush();
      return read();
    } catch (IOException e) {
      throw new UncheckedIOException("redis command " + command.get(0) + " failed", e);
    }
  }

  /** {@link #call(String...)} for a command answering a string (or bulk string). */
  public String string(String... command) {
    Object reply = call(command);
    if (!(reply instanceof String s)) {
      throw new IllegalStateException(command[0] + " answered " + reply + ", not a string");
    }
    return s;
  }

  private @Nullable Object read() throws IOException {
    int type = in.read();
    if (type < 0) {
      throw new EOFException("connection closed by server");
    }
    String line = line();
    switch (type) {
      case '+':
        return line;
      case '-':
        throw new RespException(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int len = Integer.parseInt(line);
        if (len < 0) {
          return null;
        }
        byte[] data = in.readNBytes(len + 2);
        if (data.length < len + 2) {
          throw new EOFException("connection closed inside a bulk string");
        }
        return new String(data, 0, len, StandardCharsets.UTF_8);
      }
      case '*': {
        int n = Integer.parseInt(line);
        if (n < 0) {
          return null;
        }
        List<@Nullable Object> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          items.add(read());
        }
        return items;
      }
      default:
        throw new IOException("unexpected RESP type byte " + type);
    }
  }

  private String line() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (;;) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed inside a reply line");
      }
      if (b == '\r') {
        in.read(); // '\n'
        return sb.toString();
      }
      sb.append((char) b);
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing a test connection: nothing to do
    }
  }
}
