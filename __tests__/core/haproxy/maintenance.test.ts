import {
  DEFAULT_MAINTENANCE_MESSAGE,
  MAINTENANCE_MESSAGE_MAX_LENGTH,
  maintenanceMapPath,
  maintenanceMapValue,
  maintenanceMessage,
  messageOfMapValue,
} from "../../../core/haproxy";
import { UsageError } from "../../../core/errors";

describe("maintenance message", () => {
  it.each([
    ["no message", undefined, DEFAULT_MAINTENANCE_MESSAGE],
    ["an empty message", "", DEFAULT_MAINTENANCE_MESSAGE],
    ["only whitespace", " \n\t ", DEFAULT_MAINTENANCE_MESSAGE],
    ["newlines and tabs", "Back soon.\r\nMigrating\tthe  database.", "Back soon. Migrating the database."],
    ["control characters", "a\x00b\x1bc\x7fd", "a b c d"],
    ["leading and trailing spaces", "  hi  ", "hi"],
    ["exactly the limit", "x".repeat(MAINTENANCE_MESSAGE_MAX_LENGTH), "x".repeat(MAINTENANCE_MESSAGE_MAX_LENGTH)],
  ])("GIVEN %s WHEN normalised THEN it is one line, the default when empty", (_, input, expected) => {
    expect(maintenanceMessage(input)).toBe(expected);
  });

  it("GIVEN a message over the limit WHEN normalised THEN a usage error names the limit and the fix", () => {
    const tooLong = () => maintenanceMessage("x".repeat(MAINTENANCE_MESSAGE_MAX_LENGTH + 1));
    expect(tooLong).toThrow(UsageError);
    expect(tooLong).toThrow(/201 characters long, more than 200/);
  });

  it("GIVEN spaces that collapse WHEN normalised THEN the limit counts the collapsed line", () => {
    expect(maintenanceMessage(`${"x".repeat(100)}\n\n\n\n${"y".repeat(99)}`)).toHaveLength(200);
  });

  it.each([
    ["plain text", "Back at 10:00", "Back at 10:00"],
    ["markup", "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"],
    ["quotes and ampersands", `Tom's "big" R&D`, "Tom&#39;s &quot;big&quot; R&amp;D"],
    ["an entity already written", "&amp;", "&amp;amp;"],
    ["a newline", "one\ntwo", "one two"],
    ["HAProxy's own syntax", "%[str(x)] ; \\", "%[str(x)] ; \\"],
    ["non-ASCII", "Café — wieder da", "Café — wieder da"],
  ])("GIVEN %s WHEN turned into a map value THEN it is HTML-escaped, and reads back as the plain line", (_, message, value) => {
    expect(maintenanceMapValue(message)).toBe(value);
    expect(messageOfMapValue(maintenanceMapValue(message))).toBe(maintenanceMessage(message));
  });

  it.each([
    ["/var/lib/do-bluegreen", "/var/lib/do-bluegreen/maintenance.map"],
    ["/srv/x/", "/srv/x/maintenance.map"],
  ])("GIVEN SWITCH_STATE_DIR %s THEN the map is %s", (dir, path) => {
    expect(maintenanceMapPath(dir)).toBe(path);
  });
});
