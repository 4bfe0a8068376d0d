import { describeDlq } from "./dlq-scenario.js";

describeDlq("rabbitmq");
