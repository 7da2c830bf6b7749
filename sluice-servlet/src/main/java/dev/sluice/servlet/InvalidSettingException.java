package dev.sluice.servlet;

/**
 * A setting of the filter (an init-param, a {@code sluice.*} property) has a value that cannot
 * work. The message starts with the setting's full name.
 */
public final class InvalidSettingException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final String setting;

  public InvalidSettingException(String setting, String problem, Throwable cause) {
    super(setting + ": " + problem, cause);
    this.setting = setting;
  }

  public InvalidSettingException(String setting, String problem) {
    super(setting + ": " + problem);
    this.setting = setting;
  }

  /** The setting's full name, e.g. {@code sluice.headers} or {@code init-param headers}. */
  public String setting() {
    return setting;
  }
}
