// SPDX-License-Identifier: MIT
// tests/native/cxx_prog.cpp — C++ under the preload library: new/delete,
// new[]/delete[], std::vector, std::map, std::string, std::unique_ptr and a
// leaked object graph, compared with valgrind like gt_leaks.c.
#include <map>
#include <memory>
#include <string>
#include <vector>
#include <cstring>

struct Widget {
    Widget *peer = nullptr;
    char name[40] = {};
    std::vector<int> values;
};

std::vector<Widget *> *g_widgets;
std::map<std::string, int> *g_index;
std::unique_ptr<Widget> g_owned;

__attribute__((noinline)) static void make_widgets()
{
    g_widgets = new std::vector<Widget *>();
    for (int i = 0; i < 50; i++) {
        Widget *w = new Widget();
        w->values.assign(10 + i, i);
        g_widgets->push_back(w);
    }
    g_index = new std::map<std::string, int>();
    for (int i = 0; i < 40; i++) (*g_index)["a key long enough to be on the heap #" + std::to_string(i)] = i;
}

__attribute__((noinline)) static void churn()
{
    for (int i = 0; i < 1000; i++) {
        int *a = new int[i % 17 + 1];
        std::memset(a, 0, sizeof(int) * (i % 17 + 1));
        delete[] a;
        std::string s(100 + i % 50, 'x');
        (void)s;
    }
}

__attribute__((noinline)) static void leak_pair()
{
    Widget *a = new Widget(), *b = new Widget();
    a->peer = b;
    b->values.assign(5, 1);
}

__attribute__((noinline)) static void scrub_stack()
{
    volatile char buf[128 * 1024];
    std::memset(const_cast<char *>(buf), 0, sizeof buf);
    __asm__ volatile("" : : "r"(buf) : "memory");
}

int main()
{
    make_widgets();
    churn();
    g_owned.reset(new Widget());
    leak_pair();
    delete (*g_widgets)[0];
    (*g_widgets)[0] = nullptr;
    scrub_stack();
    return 0;
}
