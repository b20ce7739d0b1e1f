// cdktf's matchers (toHaveResourceWithProperties, ...) must be registered before any stack test runs.
import { Testing } from "cdktf";
Testing.setupJest();
