// A class in the browser: an instructor creates a course and an
// assignment with two checks; a student joins through the invite link,
// starts the assignment, deploys a wrong answer (1 of 2 checks), fixes it
// (2 of 2); the instructor's grid shows 2/2 and opens the student's code
// and versions; the grades CSV has the row.
import { deployFromEditor, expect, logIn, logOut, signUp, test, uniqueName } from "./fixtures";

const WRONG = "export default { fetch() { return new Response('hello'); } };\n";
const RIGHT = `export default { fetch(request) {
  const name = new URL(request.url).searchParams.get('name');
  if (!name) return new Response('hello');
  return Response.json({ greeting: 'Hi ' + name });
} };
`;
const CHECKS = JSON.stringify([
  { name: "says hello", path: "/", expect: { status: 200, body_contains: "hello" } },
  { name: "greets by name", path: "/?name=Ann", hidden: true, expect: { json: { greeting: "Hi Ann" } } },
]);

test("a course: an assignment checked on every deploy, the grid, the grades", async ({ page }) => {
  // A fresh node builds the JavaScript runtime once (tens of seconds).
  test.setTimeout(300_000);
  const prof = uniqueName("prof");
  await signUp(page, prof);
  await page.getByRole("banner").getByRole("link", { name: "Courses" }).click();
  await page.getByLabel("Course name").fill("Serverless 101");
  await page.getByLabel("First day").fill("2026-09-01");
  await page.getByLabel("Last day").fill("2027-06-30");
  await page.getByRole("button", { name: "Create course" }).click();
  await expect(page).toHaveURL(/\/courses\/\d+$/);
  await expect(page.getByTestId("course-name")).toHaveText("Serverless 101");
  const courseUrl = new URL(page.url()).pathname;
  const invite = new URL((await page.getByTestId("invite-url").textContent()) ?? "").pathname;
  expect(invite).toMatch(/^\/join\/[0-9a-f]+$/);

  await page.getByText("New assignment").click();
  await page.getByLabel("Title").fill("Hello, checks");
  await page.getByLabel("Instructions (Markdown)").fill("Answer **hello**; greet `?name=` in JSON.\n\n<script>alert(1)</script>");
  await page.getByLabel("Language", { exact: true }).selectOption("javascript");
  await page.getByLabel(/Starter code/).fill(WRONG);
  const due = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 16);
  await page.getByLabel("Due (UTC)").fill(due);
  await page.getByLabel(/Checks \(JSON/).fill(CHECKS);
  await page.getByRole("button", { name: "Add assignment" }).click();
  const assignmentLink = page.getByRole("link", { name: "Hello, checks" });
  await expect(assignmentLink).toBeVisible();
  await logOut(page);

  // The student joins through the link and starts the assignment.
  const sam = uniqueName("sam");
  await signUp(page, sam);
  await page.goto(invite);
  await page.getByRole("button", { name: "Join the course" }).click();
  await expect(page).toHaveURL(new RegExp(`${courseUrl}$`));
  await page.getByRole("link", { name: "Hello, checks" }).click();
  const instructions = page.getByTestId("instructions");
  await expect(instructions.locator("strong")).toHaveText("hello");
  await expect(instructions).toContainText("<script>alert(1)</script>");
  await expect(page.getByText("greets by name (hidden: only its verdict is shown)")).toBeVisible();
  await page.getByRole("button", { name: "Start the assignment" }).click();
  await expect(page).toHaveURL(/\/functions\/a\d+-hello-checks$/);
  const editor = page.getByTestId("editor").locator(".cm-content");
  await expect(editor).toContainText("Response('hello')");

  // A wrong answer passes 1 of 2; the fix passes both.
  await deployFromEditor(page);
  const panel = page.getByTestId("assignment-panel");
  await expect(panel.getByTestId("checks-score")).toContainText("1/2 checks pass on v1", { timeout: 30_000 });
  await expect(panel.getByTestId("check-results")).toContainText("✗ greets by name (hidden)");
  await editor.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText(RIGHT);
  await page.keyboard.press("ControlOrMeta+Enter");
  await expect(panel.getByTestId("checks-score")).toContainText("2/2 checks pass on v2", { timeout: 120_000 });

  // Presenter mode: the URL big, its QR code, requests landing live.
  await page.getByRole("button", { name: "Presenter mode" }).click();
  await expect(page.locator(".function-page")).toHaveClass(/presenter/);
  const bigUrl = page.getByTestId("presenter-url");
  await expect(bigUrl).toHaveText(new RegExp(`/fn/${sam}/a\\d+-hello-checks/$`));
  await expect(page.getByTestId("presenter-qr").locator("svg")).toBeVisible();
  const called = await page.request.get(`${new URL((await bigUrl.textContent()) ?? "").pathname}?name=Class`);
  expect(await called.json()).toEqual({ greeting: "Hi Class" });
  await expect(page.getByTestId("invocations")).toContainText("?name=Class");
  await page.getByRole("button", { name: "Leave presenter mode" }).click();
  await logOut(page);

  // The instructor's grid, a cell opened, the CSV.
  await logIn(page, prof);
  await page.goto(courseUrl);
  const cell = page.getByTestId("grid").getByTestId("grid-cell");
  await expect(cell).toHaveText("2/2");
  await cell.click();
  await expect(page).toHaveURL(new RegExp(`/work/${sam}$`));
  await expect(page.getByTestId("work-source").locator(".cm-content")).toContainText("searchParams.get('name')");
  const versions = page.getByTestId("work-version");
  await expect(versions).toHaveCount(2);
  await expect(versions.first()).toContainText("v2");
  await expect(versions.first()).toContainText("2/2 checks");
  await expect(versions.first().locator("pre.diff")).toContainText("+  const name");
  const csv = await page.request.get(`/api/v1${courseUrl}/grades.csv`);
  expect(csv.status()).toBe(200);
  expect(await csv.text()).toContain(`\n${sam},2,2,2,false\n`);
});
