// The staff console's entry: styles, then the app into #app.
import { render } from "preact";
import "./styles/console.css";
import { App } from "./app/app.jsx";

render(<App />, document.getElementById("app"));
