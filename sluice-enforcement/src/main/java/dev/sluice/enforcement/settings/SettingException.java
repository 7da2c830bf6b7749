package dev.sluice.enforcement.settings;

/**
 * A setting has a value that cannot work, or a settings source cannot be read. The message names
 * the setting, where the value came from and what is expected, worded in the front end's {@link
 * Dialect}: {@code invalid http-port '80x' (from --http-port): expected an integer in 0..65535},
 * {@code sluice.headers: unknown header style 'fancy'; use one of x-ratelimit, ietf, both, none}.
 */
public final class SettingException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final String setting;
  private final String origin;
  private final String problem;

  /** A bad value: {@code message} is the framed {@code problem}. */
  SettingException(String setting, String origin, String problem, String message,
      Throwable cause) {
    super(message, cause);
    this.setting = setting;
    this.origin = origin;
    this.problem = problem;
  }

  /** A problem with a source as a whole (an unreadable file, an unknown key in it). */
  SettingException(String origin, String message) {
    super(message);
    this.setting = "";
    this.origin = origin;
    this.problem = message;
  }

  /** The setting's name ({@code http-port}); empty when the problem is a whole source's. */
  public String setting() {
    return setting;
  }

  /**
   * Where the value came from: {@code --http-port}, {@code environment SLUICE_HTTP_PORT}, {@code
   * sluice.yaml key http-port}, {@code init-param headers}, {@code sluice.headers}, {@code
   * default}.
   */
  public String origin() {
    return origin;
  }

  /** What is wrong, without the frame: {@code expected an integer in 0..65535}. */
  public String problem() {
    return problem;
  }
}
