import { Agent, type ClientRequestArgs } from "node:http";
import { Duplex } from "node:stream";

/** Engine calls of one run in parallel at most (observe lists and inspects a droplet's containers at once). */
const MAX_SESSIONS = 4;
/** Sessions kept open between calls; sshd's MaxSessions (10 by default) also counts the run's other commands. */
const MAX_IDLE_SESSIONS = 2;

/**
 * A socket for http.Agent over an SSH channel that is still being opened. The agent counts a socket against
 * `maxSockets` only once createConnection has returned it, so the socket must exist at once; writes wait for the
 * channel. A channel has no TCP options and no event-loop handle of its own (the SSH connection's socket is that
 * handle, and the run closes it at the end), so those calls do nothing.
 */
class ChannelSocket extends Duplex {
  private channel: Duplex | undefined;
  private readonly opened: Promise<Duplex | undefined>;

  constructor(opening: Promise<Duplex>) {
    super();
    this.opened = opening.then(
      (channel) => {
        this.channel = channel;
        channel.on("data", (chunk: Buffer) => {
          if (!this.push(chunk)) channel.pause();
        });
        channel.on("end", () => this.push(null));
        channel.on("close", () => this.destroy());
        channel.on("error", (error: Error) => this.destroy(error));
        return channel;
      },
      (error: Error) => {
        this.destroy(error);
        return undefined;
      },
    );
  }

  override _read(): void {
    this.channel?.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    void this.opened.then((channel) => (channel ? channel.write(chunk, encoding, done) : done(new Error("the SSH channel did not open"))));
  }

  override _final(done: (error?: Error | null) => void): void {
    void this.opened.then((channel) => {
      channel?.end();
      done();
    });
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.channel?.destroy();
    done(error);
  }

  setTimeout(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

/**
 * An HTTP agent for the Docker Engine API whose sockets are `docker system dial-stdio` sessions on the run's one SSH
 * connection to the droplet, kept alive between calls. dockerode's own SSH transport opens a new SSH connection and a
 * new `docker` process for every call (about a quarter of a second each), which a cutover makes dozens of.
 */
export class DialStdioAgent extends Agent {
  constructor(private readonly open: () => Promise<Duplex>) {
    super({ keepAlive: true, maxSockets: MAX_SESSIONS, maxFreeSockets: MAX_IDLE_SESSIONS });
  }

  override createConnection(_options: ClientRequestArgs): Duplex {
    return new ChannelSocket(this.open());
  }
}
