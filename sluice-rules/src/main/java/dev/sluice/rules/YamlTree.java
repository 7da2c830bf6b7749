package dev.sluice.rules;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.JacksonYAMLParseException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * A YAML document read with Jackson's streaming YAML parser into a small tree that remembers
 * where every node came from, so that each validation error can name its line and column.
 *
 * <p>Jackson reports every mapping key as a string; whether the key was written as a number or a
 * boolean is recovered from the source text, because envoy rejects such keys.
 */
final class YamlTree {

  private static final YAMLFactory FACTORY = YAMLFactory.builder().build();

  /** Plain scalars that YAML 1.1 (as envoy's yaml.v2) resolves to something other than a string. */
  private static final Pattern NON_STRING_PLAIN =
      Pattern.compile(
          "[-+]?(0|[1-9][0-9_]*)"
              + "|[-+]?0x[0-9a-fA-F_]+|[-+]?0o?[0-7_]+|[-+]?0b[01_]+"
              + "|[-+]?([0-9][0-9_]*)?\\.[0-9_]*([eE][-+]?[0-9]+)?"
              + "|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
              + "|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)"
              + "|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF"
              + "|null|Null|NULL|~");

  private YamlTree() {}

  /** What a scalar resolved to. */
  enum Kind {
    STRING,
    INT,
    FLOAT,
    BOOL,
    NULL
  }

  /** What an error can point at: a node, or the key of a field; line and column are 1-based. */
  sealed interface Located permits Node, Field {
    int line();

    int column();
  }

  /** Any node. */
  sealed interface Node extends Located permits MapNode, ListNode, ScalarNode {

    /** How the node reads in an error message: the scalar itself, or its shape. */
    String describe();

    /** Whether this is YAML's null ({@code ~}, {@code null} or nothing at all). */
    default boolean isNull() {
      return this instanceof ScalarNode s && s.kind() == Kind.NULL;
    }
  }

  /**
   * One key of a mapping, at the key's position. {@code stringKey} is false when the key was a
   * number, bool or null.
   */
  record Field(String name, boolean stringKey, int line, int column, Node value)
      implements Located {}

  record MapNode(List<Field> fields, int line, int column) implements Node {
    @Nullable Field field(String name) {
      for (Field f : fields) {
        if (f.name().equals(name)) {
          return f;
        }
      }
      return null;
    }

    @Override
    public String describe() {
      return "a map";
    }
  }

  record ListNode(List<Node> items, int line, int column) implements Node {
    @Override
    public String describe() {
      return "a list";
    }
  }

  record ScalarNode(String text, Kind kind, int line, int column) implements Node {
    @Override
    public String describe() {
      return kind == Kind.NULL ? "nothing" : text;
    }
  }

  /** A file that is not well-formed YAML. */
  static final class SyntaxError extends Exception {
    final int line;
    final int column;

    SyntaxError(String message, int line, int column) {
      super(message, null, false, false);
      this.line = line;
      this.column = column;
    }
  }

  /**
   * Reads the first document of {@code content}; an empty document reads as an empty map.
   *
   * @throws SyntaxError if the text is not YAML, holds several documents, or uses aliases
   */
  static Node parse(String content) throws SyntaxError {
    try (JsonParser p = FACTORY.createParser(content)) {
      Reader reader = new Reader(p, content);
      JsonToken first = p.nextToken();
      if (first == null) {
        return new MapNode(List.of(), 1, 1);
      }
      Node root = reader.read(first);
      JsonToken next = p.nextToken();
      if (next != null) {
        JsonLocation at = p.currentTokenLocation();
        throw new SyntaxError(
            "the file holds more than one YAML document; put each domain in a file of its own",
            at.getLineNr(), at.getColumnNr());
      }
      return root;
    } catch (JacksonYAMLParseException e) {
      // SnakeYAML's own exception, as the cause, says what is wrong and in which construct.
      String text = firstLine(e.getOriginalMessage());
      if (e.getCause() instanceof MarkedYAMLException marked) {
        String problem = marked.getProblem() == null ? e.getOriginalMessage() : marked.getProblem();
        String context = marked.getContext();
        text = firstLine(problem) + (context == null ? "" : " (" + firstLine(context) + ")");
      }
      JsonLocation at = e.getLocation();
      throw new SyntaxError(
          text, at == null ? 0 : at.getLineNr(), at == null ? 0 : at.getColumnNr());
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new SyntaxError(firstLine(e.getOriginalMessage()),
          at == null ? 0 : at.getLineNr(), at == null ? 0 : at.getColumnNr());
    } catch (IOException e) {
      // Reading from a String cannot fail for I/O reasons; anything else is a parse problem.
      throw new SyntaxError(firstLine(String.valueOf(e.getMessage())), 0, 0);
    }
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).trim();
  }

  private static final class Reader {
    private final JsonParser p;
    private final String[] lines;

    Reader(JsonParser p, String content) {
      this.p = p;
      this.lines = content.split("\n", -1);
    }

    Node read(JsonToken token) throws IOException, SyntaxError {
      JsonLocation at = p.currentTokenLocation();
      int line = at.getLineNr();
      int column = at.getColumnNr();
      switch (token) {
        case START_OBJECT:
          return readMap(line, column);
        case START_ARRAY:
          return readList(line, column);
        case VALUE_NUMBER_INT:
          return new ScalarNode(p.getText(), Kind.INT, line, column);
        case VALUE_NUMBER_FLOAT:
          return new ScalarNode(p.getText(), Kind.FLOAT, line, column);
        case VALUE_TRUE:
        case VALUE_FALSE:
          return new ScalarNode(p.getText(), Kind.BOOL, line, column);
        case VALUE_NULL:
          return new ScalarNode("", Kind.NULL, line, column);
        default:
          String text = p.getText();
          char first = sourceChar(line, column);
          if (first == '*' && !text.startsWith("*")) {
            throw new SyntaxError("YAML aliases (*" + text + ") are not supported", line, column);
          }
          // Jackson reads an empty plain value ("key:") as "", YAML (and envoy) as null.
          if (text.isEmpty() && first != '\'' && first != '"') {
            return new ScalarNode("", Kind.NULL, line, column);
          }
          return new ScalarNode(text == null ? "" : text, Kind.STRING, line, column);
      }
    }

    private MapNode readMap(int line, int column) throws IOException, SyntaxError {
      List<Field> fields = new ArrayList<>();
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_OBJECT) {
        if (t != JsonToken.FIELD_NAME) {
          JsonLocation at = p.currentTokenLocation();
          throw new SyntaxError("unexpected " + t + " in a map", at.getLineNr(), at.getColumnNr());
        }
        String name = p.currentName();
        JsonLocation at = p.currentTokenLocation();
        char first = sourceChar(at.getLineNr(), at.getColumnNr());
        boolean quoted = first == '\'' || first == '"';
        boolean stringKey = quoted || !NON_STRING_PLAIN.matcher(name).matches();
        Node value = read(p.nextToken());
        fields.add(new Field(name, stringKey, at.getLineNr(), at.getColumnNr(), value));
      }
      return new MapNode(List.copyOf(fields), line, column);
    }

    private ListNode readList(int line, int column) throws IOException, SyntaxError {
      List<Node> items = new ArrayList<>();
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        items.add(read(t));
      }
      return new ListNode(List.copyOf(items), line, column);
    }

    private char sourceChar(int line, int column) {
      if (line < 1 || line > lines.length) {
        return 0;
      }
      String l = lines[line - 1];
      return column >= 1 && column <= l.length() ? l.charAt(column - 1) : 0;
    }
  }
}
